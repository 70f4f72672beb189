using System.Text.RegularExpressions;
using Mkcdrec.TestVm;

namespace Mkcdrec.DrillTests;

/// <summary>
/// A chain carried on the rescue ISO, driven as an admin would: the reference system runs `mkcdrec mkbackup
/// --incremental` (no earlier ISO: a full backup), a file is added, one deleted and one chmod-ed, and it runs the same
/// command again: the new ISO carries the increment and its full backup (/backup/parents/HOST/TIME). `mkcdrec drill`
/// boots that ISO against a blank disk; the rescue system checks the chain, applies both links, and the recovered
/// system boots and compares equal to the increment's manifest (an undeleted file would be a new one there).
/// </summary>
public sealed partial class CarriedChainDrillTests : IDisposable
{
    private const string Job = """
        #!/bin/sh
        mkcdrec --log /job/full.log mkbackup --incremental --output /job/out || exit 1
        echo "written after the full backup" >/root/after-the-full-backup.txt && rm -f /etc/issue.net && chmod 600 /etc/motd && sleep 1.1
        s=$(date +%s.%N)
        mkcdrec --log /job/mkbackup.log mkbackup --incremental --output /job/out; rc=$?
        echo "MKBACKUP-SECONDS=$(echo "$(date +%s.%N) $s" | awk '{ printf "%.1f", $1 - $2 }')"
        ls -l /job/out
        exit $rc
        """;

    private readonly string _work = Directory.CreateTempSubdirectory("mkcdrec-drill-chain-").FullName;

    public void Dispose()
    {
        if (!ReferenceMediumFixture.Keep)
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public void A_chain_carried_on_the_iso_recovers_the_increment_onto_a_blank_disk()
    {
        var reference = ReferenceSystem.Ensure(ReferenceSystem.PlainBios, ReferenceMediumFixture.Log);
        var media = Path.Combine(_work, "media");
        var run = reference.RunJob(Path.Combine(_work, "mkbackup"), Job,
            new ReferenceJobOptions { CopyOut = ["out", "mkbackup.log"], CopyOutTo = media, Timeout = TimeSpan.FromMinutes(20) });
        Assert.True(run.ExitCode == 0, $"mkbackup --incremental failed in the reference system (exit {run.ExitCode}):\n{HostProcess.Tail(run.Console, 8000)}");
        var log = File.ReadAllText(Path.Combine(media, "mkbackup.log"));
        Assert.Contains("the new ISO carries its 1 link(s) too", log, StringComparison.Ordinal);

        // The ISO (read by xorriso): the increment under /backup, the full backup under /backup/parents/HOST/TIME.
        var iso = Directory.GetFiles(Path.Combine(media, "out"), "*.iso").Single();
        var listing = HostProcess.Run("xorriso", ["-indev", iso, "-find", "/backup", "-name", "manifest.json"], TimeSpan.FromMinutes(2)).Stdout;
        Assert.Matches(@"'/backup/parents/mkcdrec-ref/\d{8}T\d{6}Z/manifest\.json'", listing);

        var drillWork = Path.Combine(_work, "drill");
        var drill = DrillRunner.Run(iso, drillWork, Path.Combine(_work, "drill.log"), keep: true, []);
        ReferenceMediumFixture.Log($"[bios-chain] {drill.Summary}; backup phase: the second mkbackup --incremental {MkbackupSeconds().Match(run.Console).Groups[1].Value} s, "
            + $"ISO {DrillRunner.Mib(new FileInfo(iso).Length)}");
        Assert.True(drill.Passed, $"drill of the ISO carrying a chain failed:\n{drill.FailureText}");
        var rescue = File.ReadAllText(Path.Combine(drillWork, "rescue-console.log"));
        Assert.Contains("Backup chain checked: a full backup and 1 increment(s)", rescue, StringComparison.Ordinal);
        Assert.Contains(": the increment of ", rescue, StringComparison.Ordinal);
        Assert.Contains("/backup/parents/mkcdrec-ref/", rescue, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"MKBACKUP-SECONDS=([0-9.]+)")]
    private static partial Regex MkbackupSeconds();
}
