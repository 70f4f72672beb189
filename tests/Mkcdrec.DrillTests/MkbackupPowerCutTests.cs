using Mkcdrec.TestVm;

namespace Mkcdrec.DrillTests;

/// <summary>
/// Issue 16's power cut during mkbackup: the reference system makes a full backup and its ISO, then a second mkbackup
/// loses power while it writes the new ISO (QEMU killed: nothing the guest had not written reaches its disks). On the
/// next boot the first ISO must be byte for byte what it was and match its checksum file, and the next mkbackup must
/// succeed and leave nothing of the cut-off run behind.
/// </summary>
[Collection(BiosReference.Name)]
[Trait("tier", "long")] // with the matrix (./test.sh matrix) and as its slice long-drills: too slow for every CI run
public sealed class MkbackupPowerCutTests : IDisposable
{
    // The cut comes 4 s into "write rescue media" (about 10 s on this kind of machine): xorriso is writing the new ISO.
    private const string BackupThenCut = """
        #!/bin/sh
        mkcdrec --log /job/first.log mkbackup --output /job/out >/dev/null || exit 1
        (cd /job/out && sha256sum *.iso) > /job/first.sha && sync
        mkcdrec --log /job/cut.log mkbackup --output /job/out >/job/cut.out 2>&1 &
        until grep -q 'mkbackup \[[0-9]*/[0-9]*\] write rescue media$' /job/cut.log 2>/dev/null; do sleep 0.2; done
        sleep 4
        echo "MKCDREC-CUT-NOW $(ls -A /job/out | tr '\n' ' ')"
        wait
        """;

    private const string CheckThenBackupAgain = """
        #!/bin/sh
        cd /job/out
        echo "LEFT-AFTER-CUT: $(ls -A | tr '\n' ' ')"
        sha256sum -c /job/first.sha && echo FIRST-ISO-INTACT
        sha256sum -c ./*.iso.sha256 && echo CHECKSUM-FILE-MATCHES
        mkcdrec --log /job/again.log mkbackup --output /job/out >/dev/null; rc=$?
        echo "LEFT-AFTER-RERUN: $(ls -A | tr '\n' ' ')"
        sha256sum -c ./*.iso.sha256 && echo NEW-ISO-CHECKSUM-OK
        sha256sum -c /job/first.sha >/dev/null 2>&1 || echo FIRST-ISO-REPLACED
        exit $rc
        """;

    private readonly string _work = Directory.CreateTempSubdirectory("mkcdrec-mkbackup-cut-").FullName;

    public void Dispose()
    {
        if (!ReferenceMediumFixture.Keep)
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public void A_power_cut_while_the_new_iso_is_written_leaves_the_previous_one_intact_and_the_next_run_succeeds()
    {
        var reference = ReferenceSystem.Ensure(ReferenceSystem.PlainBios, ReferenceMediumFixture.Log);
        var disk = Path.Combine(_work, "job-disk.img");
        var cut = reference.RunJob(Path.Combine(_work, "cut"), BackupThenCut,
            new ReferenceJobOptions { KeepJobDiskAs = disk, PowerCutOn = "MKCDREC-CUT-NOW", Timeout = TimeSpan.FromMinutes(20) });
        Assert.True(cut.PowerCut, $"the job never reached the power cut (exit {cut.ExitCode}):\n{HostProcess.Tail(cut.Console, 6000)}");
        var atCut = cut.Console[cut.Console.LastIndexOf("MKCDREC-CUT-NOW", StringComparison.Ordinal)..].Split('\n')[0];
        Assert.Contains(".iso.tmp-", atCut, StringComparison.Ordinal); // the new ISO was being written when the power went

        var again = reference.RunJob(Path.Combine(_work, "again"), CheckThenBackupAgain,
            new ReferenceJobOptions { ReuseJobDisk = disk, Timeout = TimeSpan.FromMinutes(20) });
        var console = again.Console;
        ReferenceMediumFixture.Log($"[bios-mkbackup-cut] cut {cut.Elapsed.TotalSeconds:0} s after QEMU started; {atCut.Trim()}; "
            + $"{Line(console, "LEFT-AFTER-CUT")}; {Line(console, "LEFT-AFTER-RERUN")}; rerun job {again.JobTime?.TotalSeconds:0} s");
        Assert.True(again.ExitCode == 0, $"mkbackup after the power cut failed (exit {again.ExitCode}):\n{HostProcess.Tail(console, 6000)}");
        Assert.Contains("FIRST-ISO-INTACT", console, StringComparison.Ordinal);
        Assert.Contains("CHECKSUM-FILE-MATCHES", console, StringComparison.Ordinal);
        Assert.Contains("NEW-ISO-CHECKSUM-OK", console, StringComparison.Ordinal);
        Assert.Contains("FIRST-ISO-REPLACED", console, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp-", Line(console, "LEFT-AFTER-RERUN"), StringComparison.Ordinal);
    }

    private static string Line(string console, string marker) =>
        console.Split('\n').LastOrDefault(l => l.Contains(marker + ":", StringComparison.Ordinal))?.Trim() ?? marker + ": (not printed)";
}
