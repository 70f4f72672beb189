using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// The drill's side inside the machines it boots: compares a whole restored system with the manifest (every archive
/// against its mount point under a system root), and installs the one-shot check that runs on the recovered system's
/// first boot (systemd unit; it reports on the serial console, removes itself and powers off).
/// </summary>
public sealed class DrillCheck
{
    public const string CheckDirectory = "var/lib/mkcdrec/drill";
    public const string UnitName = "mkcdrec-drill-check.service";

    private readonly IFileSystemAccess _fs;
    private readonly IProcessRunner? _run;

    /// <param name="run">Mounts the top level of btrfs filesystems for <see cref="Compare"/>; null: none are mounted.</param>
    public DrillCheck(IFileSystemAccess fs, IProcessRunner? run = null)
    {
        _fs = fs;
        _run = run;
    }

    /// <summary>
    /// Every archive of the backup compared with <paramref name="systemRoot"/> + its archived root. A btrfs subvolume was
    /// archived from its filesystem's top level, mounted by mkbackup under <see cref="BackupWorkflow.TopLevelMountRoot"/>
    /// (snapshots are mounted nowhere else): that top level is mounted again, read-only, at the same place for the compare.
    /// </summary>
    public IReadOnlyList<CompareSummary> Compare(string backupDir, string systemRoot)
    {
        var src = ArchiveSource.Open(backupDir);
        var verifier = new ArchiveVerifier(_fs);
        var result = new List<CompareSummary>();
        var mounted = new List<string>();
        try
        {
            foreach (var a in src.Manifest.Archives.Where(a => ArchiveId.IsFilesystem(a.FilesystemId)))
            {
                MountTopLevel(systemRoot, a.Root, mounted);
                var root = Under(systemRoot, a.Root);
                var r = verifier.Compare(a, root, backupDir);
                result.Add(new CompareSummary
                {
                    Root = a.Root,
                    Files = a.Files.Count,
                    Changed = r.Changed,
                    Missing = r.Missing,
                    New = r.New,
                });
            }
        }
        finally
        {
            foreach (var m in Enumerable.Reverse(mounted))
            {
                _run?.Run(new ProcessRequest("umount", [m]));
            }
        }

        return result;
    }

    /// <summary>For a root under the btrfs top-level mounts: mounts that filesystem's top level (by its UUID, the directory's name) once.</summary>
    private void MountTopLevel(string systemRoot, string archivedRoot, List<string> mounted)
    {
        var prefix = BackupWorkflow.TopLevelMountRoot + "/";
        if (_run is null || !archivedRoot.StartsWith(prefix, StringComparison.Ordinal))
        {
            return;
        }

        var uuid = archivedRoot[prefix.Length..].Split('/')[0];
        var dir = Under(systemRoot, prefix + uuid);
        if (mounted.Contains(dir))
        {
            return;
        }

        Directory.CreateDirectory(dir);
        _run.RunChecked(new ProcessRequest("mount", ["-t", "btrfs", "-o", "ro,subvolid=5", "UUID=" + uuid, dir]));
        mounted.Add(dir);
    }

    /// <summary>One archive compared with the directory it was restored into.</summary>
    public CompareSummary CompareOne(string backupDir, ArchiveRecord archive, string directory)
    {
        var r = new ArchiveVerifier(_fs).Compare(archive, directory, backupDir);
        return new CompareSummary { Root = archive.Root, Files = archive.Files.Count, Changed = r.Changed, Missing = r.Missing, New = r.New };
    }

    /// <summary><paramref name="path"/> (absolute, as archived) inside <paramref name="systemRoot"/>.</summary>
    public static string Under(string systemRoot, string path)
    {
        var rel = path.TrimStart('/');
        return rel.Length == 0 ? systemRoot : Path.Combine(systemRoot, rel);
    }

    /// <summary>
    /// Installs the first-boot check into the restored system at <paramref name="targetRoot"/>: the manifest (not the
    /// volumes), this binary, a script and a systemd unit enabled for multi-user.target. Only for drills: the disks are
    /// scratch images that are thrown away.
    /// </summary>
    /// <param name="restored">The archives restored (whole records): what the check compares with when the stored manifest
    /// is sealed (an encrypted backup; the restored disk holds these very files in the clear, so their list is no more secret).</param>
    public static void InstallFirstBootCheck(string targetRoot, string backupDir, string binary, IFileSystemAccess? fs = null, IReadOnlyList<ArchiveRecord>? restored = null)
    {
        // The directories this adds entries to keep their mtime (to the nanosecond), so the comparison after the first
        // boot sees only the check's own files (which it tolerates), not a changed /etc/systemd/system or /var/lib.
        var kept = new List<(byte[] Path, long Seconds, uint Nanoseconds)>();
        foreach (var d in new[] { "/etc/systemd/system", "/etc/systemd/system/multi-user.target.wants", "/var/lib", "/var/lib/mkcdrec" })
        {
            var path = System.Text.Encoding.UTF8.GetBytes(Under(targetRoot, d));
            if (fs is not null && fs.TryLStat(path, out var st, out _) && st.Type == FileStatus.Directory)
            {
                kept.Add((path, st.MTimeSeconds, st.MTimeNanoseconds));
            }
        }

        var dir = Under(targetRoot, "/" + CheckDirectory);
        var backupCopy = Path.Combine(dir, "backup");
        Directory.CreateDirectory(backupCopy);
        var stored = Path.Combine(backupDir, BackupFiles.Manifest);
        if (BackupManifest.Parse(File.ReadAllBytes(stored), stored).Sealed is null || restored is null)
        {
            File.Copy(stored, Path.Combine(backupCopy, BackupFiles.Manifest), overwrite: true);
        }
        else
        {
            using var copy = File.Create(Path.Combine(backupCopy, BackupFiles.Manifest));
            new BackupManifest { Created = DateTimeOffset.UtcNow, Archives = [.. restored] }.WriteTo(copy);
        }

        File.Copy(binary, Path.Combine(dir, "mkcdrec"), overwrite: true);
        MakeExecutable(Path.Combine(dir, "mkcdrec"));

        var script = Path.Combine(dir, "check.sh");
        File.WriteAllText(script, CheckScript);
        MakeExecutable(script);

        var units = Under(targetRoot, "/etc/systemd/system");
        Directory.CreateDirectory(Path.Combine(units, "multi-user.target.wants"));
        File.WriteAllText(Path.Combine(units, UnitName), Unit);
        var link = Path.Combine(units, "multi-user.target.wants", UnitName);
        if (File.Exists(link) || Directory.Exists(link) || new FileInfo(link).LinkTarget is not null)
        {
            File.Delete(link);
        }

        File.CreateSymbolicLink(link, "/etc/systemd/system/" + UnitName);
        foreach (var (path, seconds, ns) in kept)
        {
            fs!.SetTimes(path, seconds, ns);
        }
    }

    private static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public const string Unit = """
        [Unit]
        Description=mkcdrec drill: compare the recovered system with the backup, then power off
        After=multi-user.target
        ConditionPathExists=/var/lib/mkcdrec/drill/check.sh

        [Service]
        Type=oneshot
        ExecStart=/var/lib/mkcdrec/drill/check.sh
        StandardOutput=journal+console
        StandardError=journal+console

        [Install]
        WantedBy=multi-user.target

        """;

    public const string CheckScript = """
        #!/bin/sh
        # mkcdrec drill: first boot of a recovered system (installed by 'mkcdrec recover --drill'; removes itself).
        # To the serial port the drill reads, whatever console the system's own command line names: QEMU's arm virt
        # board has a PL011 (ttyAMA0); a PC's 16550 is ttyS0.
        tty=/dev/ttyS0
        [ -c /dev/ttyAMA0 ] && tty=/dev/ttyAMA0
        exec >"$tty" 2>&1
        d=/var/lib/mkcdrec/drill
        echo "MKCDREC-DRILL booted $(uname -r)"
        # Its identity by the system's own means (a clone's is new): kernel host name, machine-id, SSH host key fingerprints.
        echo "MKCDREC-DRILL hostname $(cat /proc/sys/kernel/hostname)"
        echo "MKCDREC-DRILL machine-id $(cat /etc/machine-id 2>/dev/null)"
        for k in /etc/ssh/ssh_host_*_key.pub; do
            [ -r "$k" ] && command -v ssh-keygen >/dev/null && echo "MKCDREC-DRILL ssh-host-key $(ssh-keygen -lf "$k")"
        done
        "$d/mkcdrec" --log "$d/check.log" drill check --backup "$d/backup" --root / --event boot-compare
        rm -f /etc/systemd/system/multi-user.target.wants/mkcdrec-drill-check.service /etc/systemd/system/mkcdrec-drill-check.service
        echo "MKCDREC-DRILL check-done"
        systemctl --no-block poweroff

        """;
}
