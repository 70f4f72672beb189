using System.Text.RegularExpressions;
using Mkcdrec.TestVm;

namespace Mkcdrec.DrillTests;

/// <summary>
/// A backup that spans media, recovered unattended with every medium attached: the reference system runs `mkcdrec
/// mkbackup --medium 160M` (its ~230 MiB backup does not fit on one medium with the rescue system), and `mkcdrec drill`
/// boots medium 1 with the other media in more drives. The rescue system finds each medium by its label, checks every
/// volume on every medium before a disk is touched, restores the volumes from the media that hold them, and the
/// recovered system boots and compares equal.
/// </summary>
[Trait("tier", "media")] // with the matrix and as its slice media-drills: ~6 min, too slow for every CI run
public sealed partial class MultiMediumDrillTests : IDisposable
{
    private const string Job = """
        #!/bin/sh
        s=$(date +%s.%N)
        mkcdrec --log /job/mkbackup.log mkbackup --medium 160M --output /job/out; rc=$?
        echo "MKBACKUP-SECONDS=$(echo "$(date +%s.%N) $s" | awk '{ printf "%.1f", $1 - $2 }')"
        ls -l /job/out
        exit $rc
        """;

    private readonly string _work = Directory.CreateTempSubdirectory("mkcdrec-drill-media-").FullName;

    public void Dispose()
    {
        if (!ReferenceMediumFixture.Keep)
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public void A_backup_on_a_set_of_media_recovers_unattended_onto_a_blank_disk_with_every_medium_attached()
    {
        var reference = ReferenceSystem.Ensure(ReferenceSystem.PlainBios, ReferenceMediumFixture.Log);
        var media = Path.Combine(_work, "media");
        var run = reference.RunJob(Path.Combine(_work, "mkbackup"), Job,
            new ReferenceJobOptions { CopyOut = ["out", "mkbackup.log"], CopyOutTo = media, Timeout = TimeSpan.FromMinutes(20) });
        Assert.True(run.ExitCode == 0, $"mkbackup --medium failed in the reference system (exit {run.ExitCode}):\n{HostProcess.Tail(run.Console, 8000)}");
        var isos = Directory.GetFiles(Path.Combine(media, "out"), "*.iso").Order(StringComparer.Ordinal).ToList();
        Assert.True(isos.Count is >= 2 and <= 4, $"{isos.Count} ISO(s): the backup should span 2 to 4 media of 160M (IDE has room for 4 drives)");

        // The volumes medium 2 holds (read by xorriso): the recovery can pass only by reading them from there.
        var onMedium2 = HostProcess.Run("xorriso", ["-indev", isos[1], "-find", "/backup", "-type", "f"], TimeSpan.FromMinutes(2)).Stdout
            .Split('\n').Count(l => l.Contains("/backup/", StringComparison.Ordinal) && !l.Contains("manifest", StringComparison.Ordinal));
        Assert.True(onMedium2 > 0, "medium 2 holds no backup volume");

        var drillWork = Path.Combine(_work, "drill");
        var drill = DrillRunner.Run(Path.Combine(media, "out"), drillWork, Path.Combine(_work, "drill.log"), keep: true, []);
        ReferenceMediumFixture.Log($"[bios-media] {drill.Summary}; {isos.Count} media of 160M ({string.Join(" + ", isos.Select(i => DrillRunner.Mib(new FileInfo(i).Length)))}), "
            + $"{onMedium2} volume(s) on medium 2; mkbackup --medium {MkbackupSeconds().Match(run.Console).Groups[1].Value} s");
        Assert.True(drill.Passed, $"drill of the set of media failed:\n{drill.FailureText}");
        var rescue = File.ReadAllText(Path.Combine(drillWork, "rescue-console.log"));
        Assert.Matches(@"Backup verified: \d+ archive\(s\), \d+ volume\(s\), [\d.]+ MiB, every chunk hash matches", rescue);
        Assert.DoesNotContain("media not in a drive now", rescue, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"MKBACKUP-SECONDS=([0-9.]+)")]
    private static partial Regex MkbackupSeconds();
}
