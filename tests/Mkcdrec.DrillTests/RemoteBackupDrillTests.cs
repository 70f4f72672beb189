using System.Text.RegularExpressions;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.DrillTests;

/// <summary>
/// The reference system backs itself up to an S3 store from inside, as an admin would (`mkcdrec mkbackup --dest s3://…`,
/// credentials in its own ~/.aws), and the rescue-only ISO it writes recovers it: `mkcdrec drill` boots the ISO with a
/// keys medium holding only s3/credentials, the rescue system streams HOST/latest from the store (s3rver on this host's
/// loopback, 10.0.2.2 on QEMU's user network) into the restore onto a blank disk, without a copy in its RAM, and the
/// recovered system boots and compares equal. The store is reached by S3 because mkcdrec speaks it itself: the reference system needs no other client.
/// </summary>
public sealed partial class RemoteBackupDrillTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("mkcdrec-drill-s3-").FullName;
    private readonly S3rver _store = new();

    public void Dispose()
    {
        _store.Dispose();
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
        var reference = ReferenceSystem.Ensure(ReferenceSystem.PlainBios, ReferenceMediumFixture.Log);
        var dest = $"s3://{S3rver.Bucket}/servers?endpoint={Uri.EscapeDataString($"http://10.0.2.2:{_store.Endpoint.Port}")}";
        var media = Path.Combine(_work, "media");
        var run = reference.RunJob(Path.Combine(_work, "mkbackup"), $$"""
            #!/bin/sh
            # The NIC on QEMU's user network; 10.0.2.2 is the host, where the store listens.
            for n in /sys/class/net/*; do n=${n##*/}; [ "$n" = lo ] && continue
                ip link set "$n" up && ip addr add 10.0.2.15/24 dev "$n" && ip route add default via 10.0.2.2 dev "$n"; break; done
            mkdir -p /root/.aws && chmod 700 /root/.aws
            printf '[default]\naws_access_key_id = {{S3rver.AccessKey}}\naws_secret_access_key = {{S3rver.Secret}}\n' >/root/.aws/credentials
            chmod 600 /root/.aws/credentials
            # The system is /dev/vda; the job's own disk (MKJOB, the ISO's destination) is no part of it.
            mkcdrec layout save --disk /dev/vda -o /run/layout.json || exit 1
            s=$(date +%s.%N)
            mkcdrec --log /job/mkbackup.log mkbackup --layout /run/layout.json --dest '{{dest}}' --output /job/out; rc=$?
            echo "MKBACKUP-SECONDS=$(echo "$(date +%s.%N) $s" | awk '{ printf "%.1f", $1 - $2 }')"
            ls -l /job/out
            exit $rc
            """, new ReferenceJobOptions { ReachesHost = true, CopyOut = ["out", "mkbackup.log"], CopyOutTo = media, Timeout = TimeSpan.FromMinutes(20) });
        Assert.True(run.ExitCode == 0, $"mkbackup --dest s3:// failed in the reference system (exit {run.ExitCode}):\n{HostProcess.Tail(run.Console, 8000)}");
        var mkbackupSeconds = MkbackupSeconds().Match(run.Console).Groups[1].Value;

        // A rescue-only medium: no backup on it, its boot entries name the host's latest backup at the store.
        var iso = Directory.GetFiles(Path.Combine(media, "out"), "*.iso").Single();
        var grubCfg = Path.Combine(_work, "grub.cfg");
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/boot/grub/grub.cfg", grubCfg], TimeSpan.FromMinutes(2));
        var grub = File.ReadAllText(grubCfg);
        var stored = $"s3://{S3rver.Bucket}/servers/mkcdrec-ref/latest?endpoint=";
        Assert.Contains("mkcdrec.backup=" + stored, grub, StringComparison.Ordinal);
        var backupOnIso = HostProcess.Run("xorriso", ["-indev", iso, "-find", "/backup"], TimeSpan.FromMinutes(2));
        Assert.DoesNotContain("/backup/", backupOnIso.Stdout, StringComparison.Ordinal);
        var stores = Directory.EnumerateFiles(_store.Directory, "*", SearchOption.AllDirectories).Count(f => f.Contains("manifest.json", StringComparison.Ordinal));
        Assert.True(stores >= 1, "no manifest.json in the store's directory");

        // The keys medium: s3/credentials only, in the AWS file format.
        var keys = Path.Combine(_work, "keys");
        Directory.CreateDirectory(Path.Combine(keys, "s3"));
        File.WriteAllText(Path.Combine(keys, "s3", "credentials"), $"[default]\naws_access_key_id = {S3rver.AccessKey}\naws_secret_access_key = {S3rver.Secret}\n");

        var drillWork = Path.Combine(_work, "drill");
        var drill = DrillRunner.Run(iso, drillWork, Path.Combine(_work, "drill.log"), keep: true, [], keys);
        ReferenceMediumFixture.Log($"[bios-s3] {drill.Summary}; backup phase: mkbackup --dest s3:// {mkbackupSeconds} s, ISO {DrillRunner.Mib(new FileInfo(iso).Length)}");
        Assert.True(drill.Passed, $"drill of the rescue-only medium failed:\n{drill.FailureText}");
        var rescue = File.ReadAllText(Path.Combine(drillWork, "rescue-console.log"));
        Assert.Matches(FetchedFromStore(), rescue);
    }

    [GeneratedRegex(@"MKBACKUP-SECONDS=([0-9.]+)")]
    private static partial Regex MkbackupSeconds();

    // The rescue system streams the volumes from the store into the restore: no copy of the backup in its RAM.
    [GeneratedRegex(@"Reading the backup s3://mkcdrec-test/servers/mkcdrec-ref/\d{8}T\d{6}Z as it streams \(no spool\)")]
    private static partial Regex FetchedFromStore();
}
