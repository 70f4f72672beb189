using System.Text.RegularExpressions;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.DrillTests;

/// <summary>
/// The reference system backs itself up to a server from inside, as an admin would (`mkcdrec mkbackup --dest …` with
/// the credentials where the admin keeps them), and the rescue-only ISO it writes recovers it: `mkcdrec drill` boots
/// the ISO with a keys medium holding only the credentials the URL needs, the rescue system reads HOST/latest from the
/// server into the restore onto a blank disk, without a copy in its RAM, and the recovered system boots and compares
/// equal. Three servers on this host, reached from QEMU's user network as 10.0.2.2: an S3 store (s3rver; mkcdrec
/// speaks S3 itself), OpenSSH's sshd (the reference system's own ssh client) and NFS-Ganesha (its kernel NFS client;
/// the reference job's QEMU and the drill run in Ganesha's network namespace, where 10.0.2.2 is the server's loopback).
/// </summary>
public sealed partial class RemoteBackupDrillTests : IDisposable
{
    // The job's first lines: the NIC on QEMU's user network; 10.0.2.2 is the host (or the namespace), where the server listens.
    private const string JobNetwork = """
        #!/bin/sh
        for n in /sys/class/net/*; do n=${n##*/}; [ "$n" = lo ] && continue
            ip link set "$n" up && ip addr add 10.0.2.15/24 dev "$n" && ip route add default via 10.0.2.2 dev "$n"; break; done
        """;

    private readonly string _work = Directory.CreateTempSubdirectory("mkcdrec-drill-remote-").FullName;

    public void Dispose()
    {
        if (ReferenceMediumFixture.Keep)
        {
            ReferenceMediumFixture.Log($"kept {_work} (MKCDREC_DRILL_KEEP=1)");
        }
        else
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public void A_system_backed_up_to_s3_from_inside_comes_back_from_its_rescue_only_medium_with_the_credentials_on_a_keys_medium()
    {
        using var store = new S3rver();
        var dest = $"s3://{S3rver.Bucket}/servers?endpoint={Uri.EscapeDataString($"http://10.0.2.2:{store.Endpoint.Port}")}";
        var (iso, seconds) = BackupFromInside(dest, $"""
            mkdir -p /root/.aws && chmod 700 /root/.aws
            printf '[default]\naws_access_key_id = {S3rver.AccessKey}\naws_secret_access_key = {S3rver.Secret}\n' >/root/.aws/credentials
            chmod 600 /root/.aws/credentials
            """, $"s3://{S3rver.Bucket}/servers/mkcdrec-ref/latest?endpoint=", incrementAfter: true);
        AssertManifestStored(store.Directory);

        // The keys medium: s3/credentials only, in the AWS file format.
        var keys = Keys(("s3/credentials", $"[default]\naws_access_key_id = {S3rver.AccessKey}\naws_secret_access_key = {S3rver.Secret}\n"));
        var rescue = Drill("bios-s3", iso, keys, seconds);
        Assert.Matches(Streamed($"s3://{S3rver.Bucket}/servers", $" at http://10.0.2.2:{store.Endpoint.Port}"), rescue);

        // HOST/latest is the increment made after mkbackup: the rescue system checked the chain and applied both links.
        Assert.Contains("Backup chain checked: a full backup and 1 increment(s)", rescue, StringComparison.Ordinal);
        Assert.Contains(": the increment of s3://", rescue, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("tier", "remote")] // with the matrix and as its slice remote-drills: the s3 drill stands for the three in every CI run
    public void A_system_backed_up_to_sftp_from_inside_comes_back_from_its_rescue_only_medium_with_the_ssh_keys_on_a_keys_medium()
    {
        using var sshd = new Sshd();
        var store = Path.Combine(_work, "store");
        Directory.CreateDirectory(store);
        var knownHosts = sshd.KnownHostsLine(sshd.HostPublicKey, "10.0.2.2");
        var key = File.ReadAllText(sshd.UserKey);

        // ssh's own places, as an admin sets them up: the login key and the server's host key, checked (never learnt).
        var url = $"sftp://root@10.0.2.2:{sshd.Port}{store}";
        var (iso, seconds) = BackupFromInside(url, $"""
            mkdir -p /root/.ssh && chmod 700 /root/.ssh
            cat >/root/.ssh/known_hosts <<'KNOWN'
            {knownHosts.TrimEnd()}
            KNOWN
            cat >/root/.ssh/id_ed25519 <<'KEY'
            {key.TrimEnd()}
            KEY
            chmod 600 /root/.ssh/id_ed25519
            """, url + "/mkcdrec-ref/latest");
        AssertManifestStored(store);

        // The keys medium: ssh/known_hosts and ssh/id_ed25519 only (docs/secrets.md).
        var keys = Keys(("ssh/known_hosts", knownHosts), ("ssh/id_ed25519", key));
        var rescue = Drill("bios-sftp", iso, keys, seconds);
        Assert.Matches(Streamed(url), rescue);
    }

    [Fact]
    [Trait("tier", "remote")] // with the matrix and as its slice remote-drills: the s3 drill stands for the three in every CI run
    public void A_system_backed_up_to_nfs_from_inside_comes_back_from_its_rescue_only_medium_reading_the_backup_in_place()
    {
        using var nfs = new Ganesha();
        Directory.CreateDirectory(Path.Combine(nfs.Export, "servers")); // an NFS URL names a directory that exists in the export
        var dest = Ganesha.GuestUrl(nfs.Export + "/servers", "4.1");
        var stored = $"nfs://10.0.2.2{nfs.Export}/servers/mkcdrec-ref/latest?vers=4.1";
        var (iso, seconds) = BackupFromInside(dest, "", stored, nfs.Namespace);
        AssertManifestStored(nfs.Export);

        // NFS needs no credentials: the export lets the machine in by its address. No keys medium.
        var rescue = Drill("bios-nfs", iso, keys: null, seconds, nfs.Namespace);
        Assert.Contains("the backup is on NFS, read in place: " + stored, rescue, StringComparison.Ordinal);
    }

    /// <summary>Runs `layout save` and `mkbackup --dest <paramref name="dest"/>` in the reference system (after
    /// <paramref name="setup"/>, in <paramref name="netns"/> when given), and checks the ISO it wrote is rescue-only with
    /// boot entries naming <paramref name="rescueUrl"/> (a prefix). Returns the ISO and mkbackup's seconds.
    /// <paramref name="incrementAfter"/>: then a file is added and one deleted, and `mkbackuponly --incremental` stores
    /// the change as an increment on the mkbackup's full backup: HOST/latest, what the medium recovers, is that increment.</summary>
    private (string Iso, string MkbackupSeconds) BackupFromInside(string dest, string setup, string rescueUrl, string? netns = null, bool incrementAfter = false)
    {
        var reference = ReferenceSystem.Ensure(ReferenceSystem.PlainBios, ReferenceMediumFixture.Log);
        var media = Path.Combine(_work, "media");
        var script = JobNetwork + "\n" + setup + "\n" + $$"""
            # The system is /dev/vda; the job's own disk (MKJOB, the ISO's destination) is no part of it.
            mkcdrec layout save --disk /dev/vda -o /run/layout.json || exit 1
            s=$(date +%s.%N)
            mkcdrec --log /job/mkbackup.log mkbackup --layout /run/layout.json --dest '{{dest}}' --output /job/out; rc=$?
            echo "MKBACKUP-SECONDS=$(echo "$(date +%s.%N) $s" | awk '{ printf "%.1f", $1 - $2 }')"
            ls -l /job/out
            [ $rc = 0 ] || exit $rc
            """ + (incrementAfter ? $$"""

            echo "written after the full backup" >/root/after-the-full-backup.txt && rm -f /etc/issue.net && sleep 1.1
            mkcdrec --log /job/increment.log mkbackuponly --layout /run/layout.json --dest '{{dest}}' --incremental || exit 1
            """ : "");
        var options = new ReferenceJobOptions { ReachesHost = true, CopyOut = ["out", "mkbackup.log"], CopyOutTo = media, Timeout = TimeSpan.FromMinutes(20) };
        var work = Path.Combine(_work, "mkbackup");
        var run = netns is null ? reference.RunJob(work, script, options) : NetworkNamespace.Run(netns, () => reference.RunJob(work, script, options));
        var scheme = dest[..dest.IndexOf(':', StringComparison.Ordinal)];
        Assert.True(run.ExitCode == 0, $"mkbackup --dest {scheme}:// failed in the reference system (exit {run.ExitCode}):\n{HostProcess.Tail(run.Console, 8000)}");

        // A rescue-only medium: no backup on it, its boot entries name the host's latest backup at the server.
        var iso = Directory.GetFiles(Path.Combine(media, "out"), "*.iso").Single();
        var grubCfg = Path.Combine(_work, "grub.cfg");
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/boot/grub/grub.cfg", grubCfg], TimeSpan.FromMinutes(2));
        Assert.Contains("mkcdrec.backup=" + rescueUrl, File.ReadAllText(grubCfg), StringComparison.Ordinal);
        var backupOnIso = HostProcess.Run("xorriso", ["-indev", iso, "-find", "/backup"], TimeSpan.FromMinutes(2));
        Assert.DoesNotContain("/backup/", backupOnIso.Stdout, StringComparison.Ordinal);
        return (iso, MkbackupSeconds().Match(run.Console).Groups[1].Value);
    }

    /// <summary>Runs `mkcdrec drill` on the ISO (with a keys medium made of <paramref name="keys"/>; in <paramref name="netns"/>
    /// when given), logs its summary, asserts it passed, and returns the rescue system's console.</summary>
    private string Drill(string tag, string iso, string? keys, string mkbackupSeconds, string? netns = null)
    {
        var drillWork = Path.Combine(_work, "drill");
        DrillRun Run() => DrillRunner.Run(iso, drillWork, Path.Combine(_work, "drill.log"), keep: true, [], keys);
        var drill = netns is null ? Run() : NetworkNamespace.Run(netns, Run);
        var scheme = tag[(tag.IndexOf('-', StringComparison.Ordinal) + 1)..];
        ReferenceMediumFixture.Log($"[{tag}] {drill.Summary}; backup phase: mkbackup --dest {scheme}:// {mkbackupSeconds} s, ISO {DrillRunner.Mib(new FileInfo(iso).Length)}");
        Assert.True(drill.Passed, $"drill of the rescue-only medium failed:\n{drill.FailureText}");
        return File.ReadAllText(Path.Combine(drillWork, "rescue-console.log"));
    }

    /// <summary>A directory laid out like the keys medium with these files (path relative to it, content).</summary>
    private string Keys(params (string Path, string Content)[] files)
    {
        var keys = Path.Combine(_work, "keys");
        foreach (var (path, content) in files)
        {
            var file = Path.Combine(keys, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, content);
        }

        return keys;
    }

    private static void AssertManifestStored(string dir)
    {
        var manifests = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count(f => f.Contains("manifest.json", StringComparison.Ordinal));
        Assert.True(manifests >= 1, $"no manifest.json under the server's directory {dir}");
    }

    // The rescue system streams the volumes from the server into the restore: no copy of the backup in its RAM. An S3
    // backup is named with its endpoint after it (" at http://…").
    private static Regex Streamed(string dest, string at = "") =>
        new(Regex.Escape(dest) + @"/mkcdrec-ref/\d{8}T\d{6}Z" + Regex.Escape(at) + @"/? as it streams \(no spool\)", RegexOptions.None, TimeSpan.FromSeconds(10));

    [GeneratedRegex(@"MKBACKUP-SECONDS=([0-9.]+)")]
    private static partial Regex MkbackupSeconds();
}
