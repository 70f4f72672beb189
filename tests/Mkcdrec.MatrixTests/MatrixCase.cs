using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.TestVm;

namespace Mkcdrec.MatrixTests;

/// <summary>
/// One case of the storage matrix, shared by its tests: the reference server of the case (testvm/reference/cases/),
/// booted once to run `mkcdrec mkbackup` from inside as an admin would, with an inventory of every file by the system's
/// own tools before and after. <see cref="Recover"/> drills the ISO onto blank disks and compares the recovered system's
/// own inventory with the source's.
/// </summary>
public abstract partial class MatrixCase : IDisposable
{
    private const string MkbackupJob = """
        #!/bin/sh
        mkcdrec-inventory /job/before.txt || exit 90
        s=$(date +%s.%N)
        mkcdrec --log /job/mkbackup.log mkbackup --output /job/out; rc=$?
        e=$(date +%s.%N)
        echo "MKBACKUP-SECONDS=$(echo "$e $s" | awk '{ printf "%.1f", $1 - $2 }')"
        ls -l /job/out
        mkcdrec-inventory /job/after-backup.txt || exit 91
        exit $rc
        """;

    // mkbackup --backup-dir: the backup stays on the job disk (the USB disk, as large as the system disk), the ISO is rescue only.
    private const string MkbackupToUsbDiskJob = """
        #!/bin/sh
        mkcdrec-inventory /job/before.txt || exit 90
        s=$(date +%s.%N)
        mkcdrec --log /job/mkbackup.log mkbackup --backup-dir /job/backup --output /job/out; rc=$?
        e=$(date +%s.%N)
        echo "MKBACKUP-SECONDS=$(echo "$e $s" | awk '{ printf "%.1f", $1 - $2 }')"
        ls -l /job/out /job/backup
        mkcdrec-inventory /job/after-backup.txt || exit 91
        exit $rc
        """;

    /// <param name="luksPassphrase">The passphrase of the case's LUKS container (fact LUKS_UUID): typed at the system's
    /// boot prompt, and given to the drill as luks/UUID.passphrase on a keys medium, as an admin would.</param>
    /// <param name="luksKeyFact">The fact holding the content of the container's key file (the system opens it with that file at
    /// boot): given to the drill as luks/UUID.key on the keys medium, byte for byte.</param>
    /// <param name="backupOnUsbDisk">mkbackup keeps the backup on a disk of its own as large as the first system disk
    /// (<see cref="BackupDisk"/>), which every drill attaches beside the blank disks.</param>
    /// <param name="backupPassphrase">mkbackup --encrypt with this passphrase (a test system's), given to the drill as
    /// backup.passphrase on the keys medium.</param>
    /// <param name="prepare">Shell lines the job runs first, before the inventory (the system as the case needs it, e.g. SSH host keys).</param>
    protected MatrixCase(string caseName, string? luksPassphrase = null, bool backupOnUsbDisk = false, string? luksKeyFact = null, string? backupPassphrase = null,
        string? prepare = null)
    {
        Name = caseName;
        Reference = ReferenceSystem.Ensure(caseName, Log);
        Work = Directory.CreateTempSubdirectory($"mkcdrec-matrix-{caseName}-").FullName;
        SerialAnswers = luksPassphrase is null ? [] : [(@"Please unlock disk [^:]+:", luksPassphrase + "\n")];
        if (luksPassphrase is not null)
        {
            KeysDirectory = Path.Combine(Work, "keys");
            Directory.CreateDirectory(Path.Combine(KeysDirectory, "luks"));
            File.WriteAllText(Path.Combine(KeysDirectory, "luks", Reference.Facts["LUKS_UUID"] + ".passphrase"), luksPassphrase + "\n");
        }
        else if (luksKeyFact is not null)
        {
            KeysDirectory = Path.Combine(Work, "keys");
            Directory.CreateDirectory(Path.Combine(KeysDirectory, "luks"));
            File.WriteAllText(Path.Combine(KeysDirectory, "luks", Reference.Facts["LUKS_UUID"] + ".key"), Reference.Facts[luksKeyFact]);
        }

        if (backupPassphrase is not null)
        {
            KeysDirectory ??= Directory.CreateDirectory(Path.Combine(Work, "keys")).FullName;
            File.WriteAllText(Path.Combine(KeysDirectory, "backup.passphrase"), backupPassphrase + "\n");
        }

        var media = Path.Combine(Work, "media");
        BackupDisk = backupOnUsbDisk ? Path.Combine(Work, "usb-backup-disk.img") : null;
        var job = backupOnUsbDisk ? MkbackupToUsbDiskJob : MkbackupJob;
        if (Reference.SecureBoot)
        {
            // The system booted through shim with Secure Boot on: its medium must too, or mkbackup fails saying why.
            job = job.Replace(" mkbackup ", " mkbackup --secure-boot on ", StringComparison.Ordinal);
        }

        if (backupPassphrase is not null)
        {
            job = job.Replace(" mkbackup ", " mkbackup --encrypt --passphrase-file /job/backup.pass ", StringComparison.Ordinal)
                .Replace("#!/bin/sh\n", $"#!/bin/sh\nprintf '%s\\n' '{backupPassphrase}' > /job/backup.pass\n", StringComparison.Ordinal);
        }

        if (prepare is not null)
        {
            job = job.Replace("#!/bin/sh\n", "#!/bin/sh\n" + prepare.TrimEnd('\n') + "\n", StringComparison.Ordinal);
        }

        var run = Reference.RunJob(Path.Combine(Work, "mkbackup"), job, new ReferenceJobOptions
        {
            JobDiskBytes = backupOnUsbDisk ? Reference.DiskSizes[0] : Size.GiB(4),
            KeepJobDiskAs = BackupDisk,
            Timeout = TimeSpan.FromMinutes(40),
            CopyOut = ["out", "mkbackup.log", "before.txt", "after-backup.txt"],
            CopyOutTo = media,
            SerialAnswers = SerialAnswers,
        });
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"mkbackup failed in the reference system {caseName} (job exit code {run.ExitCode}):\n{HostProcess.Tail(run.Console, 8000)}");
        }

        MkbackupConsole = run.Console;
        MkbackupSeconds = double.Parse(MkbackupTime().Match(run.Console).Groups[1].Value, CultureInfo.InvariantCulture);
        Iso = Directory.GetFiles(Path.Combine(media, "out"), "*.iso").Single();
        Before = Inventory.Read(Path.Combine(media, "before.txt"));
        AfterBackup = Inventory.Read(Path.Combine(media, "after-backup.txt"));
        Log($"[{caseName}] reference ready after {Reference.ReadyAfter.TotalSeconds:0} s; boot {run.BootedAfter?.TotalSeconds:0} s, mkbackup {MkbackupSeconds:0.0} s; "
            + $"ISO {DrillRunner.Mib(new FileInfo(Iso).Length)}; inventory {Before.Lines.Count} facts");
    }

    public string Name { get; }

    public ReferenceSystem Reference { get; }

    public string Work { get; }

    public string Iso { get; }

    public double MkbackupSeconds { get; }

    /// <summary>The reference system's console during the backup job (what <c>prepare</c> printed, mkbackup's output).</summary>
    public string MkbackupConsole { get; }

    public Inventory Before { get; }

    public Inventory AfterBackup { get; }

    /// <summary>What the case's system asks on its console at boot, and the answer (a LUKS root's passphrase prompt).</summary>
    public IReadOnlyList<(string Pattern, string Text)> SerialAnswers { get; }

    /// <summary>The keys medium's directory the drill gets (docs/secrets.md), or null when the case has no secret.</summary>
    public string? KeysDirectory { get; }

    /// <summary>The image of the disk holding the backup (mkbackup --backup-dir), or null when the backup is on the ISO.</summary>
    public string? BackupDisk { get; }

    /// <summary>Paths this case's recovery legitimately rewrites beyond <see cref="InventoryComparison.Volatile"/>, with why.</summary>
    protected virtual IReadOnlyList<(string Path, string Why)> ExtraVolatile => [];

    public static void Log(string s) => Console.Error.WriteLine("[matrix] " + s);

    /// <summary>
    /// `mkcdrec drill` of the case's ISO onto blank disks of <paramref name="sizes"/> (default: the source's), keeping
    /// the disks (<paramref name="drillOptions"/>: more options of `mkcdrec drill`); then one more boot of the recovered disks lists every file, compared with the source's inventory.
    /// </summary>
    public Recovered Recover(string tag, IReadOnlyList<long>? sizes = null, VmDiskBus bus = VmDiskBus.Virtio, IReadOnlyList<string>? drillOptions = null)
    {
        var work = Path.Combine(Work, "drill-" + tag);
        var extra = (sizes ?? []).SelectMany(s => new[] { "--disk-size", s.ToString(CultureInfo.InvariantCulture) }).Concat(drillOptions ?? []).ToList();
        if (bus == VmDiskBus.Nvme)
        {
            extra.AddRange(["--disk-bus", "nvme"]);
        }

        if (BackupDisk is not null)
        {
            extra.AddRange(["--attach", BackupDisk]);
        }

        if (Reference.SecureBoot)
        {
            extra.Add("--secure-boot");
        }

        var drill = DrillRunner.Run(Iso, work, Path.Combine(Work, $"drill-{tag}.log"), keep: true, extra, KeysDirectory);
        Log($"[{Name}/{tag}] {drill.Summary}");
        Assert.True(drill.Passed, $"drill {Name}/{tag} failed:\n{drill.FailureText}");
        var recovered = new Recovered(this, tag, work, drill, bus);
        var inv = recovered.RunJob("inventory", "#!/bin/sh\nmkcdrec-inventory /job/recovered.txt\n", ["recovered.txt"]);
        Assert.True(inv.ExitCode == 0, $"the inventory of the recovered {Name}/{tag} failed:\n{HostProcess.Tail(inv.Console, 4000)}");
        var diff = InventoryComparison.Differences(Before, AfterBackup, Inventory.Read(Path.Combine(recovered.Out, "recovered.txt")), ExtraVolatile);
        Assert.True(diff.Count == 0, $"{Name}/{tag}: the recovered system differs from the source in {diff.Count} facts (stat, sha256sum, getfattr, getfacl, getcap):\n"
            + string.Join('\n', diff.Take(60)) + (diff.Count > 60 ? $"\n… {diff.Count - 60} more" : ""));
        MatrixTable.Add(Name, tag, drill, MkbackupSeconds, new FileInfo(Iso).Length, recovered.DiskSizes);
        return recovered;
    }

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        if (Environment.GetEnvironmentVariable("MKCDREC_DRILL_KEEP") == "1")
        {
            Log($"kept {Work} (MKCDREC_DRILL_KEEP=1)");
        }
        else if (Directory.Exists(Work))
        {
            Directory.Delete(Work, recursive: true);
        }
    }

    [GeneratedRegex(@"MKBACKUP-SECONDS=([0-9.]+)")]
    private static partial Regex MkbackupTime();
}

/// <summary>A system a drill recovered (its disks kept in the drill's work directory): more boots of it, with jobs.</summary>
public sealed class Recovered(MatrixCase source, string tag, string drillWork, DrillRun drill, VmDiskBus bus)
{
    public DrillRun Drill { get; } = drill;

    public string Out { get; } = Path.Combine(drillWork, "out");

    public IReadOnlyList<string> Disks { get; } = [.. Enumerable.Range(0, 16).Select(i => Path.Combine(drillWork, $"disk{i}.img")).TakeWhile(File.Exists)];

    public IReadOnlyList<long> DiskSizes => [.. Disks.Select(d => new FileInfo(d).Length)];

    /// <summary>Boots the recovered disks (all, or only <paramref name="only"/>, by index; snapshot=on, so boots do not
    /// change them) and runs a job; copies <paramref name="copyOut"/> to <see cref="Out"/>.</summary>
    public ReferenceJobRun RunJob(string name, string script, IReadOnlyList<string>? copyOut = null, IReadOnlyList<int>? only = null)
    {
        var indexes = only ?? [.. Enumerable.Range(0, Disks.Count)];
        var disks = indexes.Select((i, n) => new VmDisk(Disks[i]) { Snapshot = true, Boot = !source.Reference.Uefi && n == 0, Serial = $"drill{i}", Bus = bus }).ToList();
        string? vars = null;
        var work = Path.Combine(drillWork, "job-" + name);
        Directory.CreateDirectory(work);
        if (source.Reference.Uefi)
        {
            var varsName = QemuCommandLine.UefiVarsFileName(source.Reference.Architecture);
            vars = Path.Combine(work, varsName);
            File.Copy(Path.Combine(drillWork, varsName), vars, overwrite: true);
        }

        MatrixCase.Log($"[{source.Name}/{tag}] boot of the recovered disks {string.Join(",", indexes)}: {name}");
        return JobRunner.Run(disks, source.Reference.Uefi, vars, work, script, new ReferenceJobOptions
        {
            JobDiskBytes = Size.MiB(512),
            Timeout = TimeSpan.FromMinutes(15),
            CopyOut = copyOut ?? [],
            CopyOutTo = Out,
            ConsoleLogName = name + "-console.log",
            SerialAnswers = source.SerialAnswers,
            SecureBoot = source.Reference.SecureBoot,
            Architecture = source.Reference.Architecture,
        });
    }
}
