using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mkcdrec.TestVm;

namespace Mkcdrec.DrillTests;

/// <summary>
/// The acceptance drill of issue 6, as a sysadmin would run it: the reference Debian system (testvm/build-reference.sh)
/// boots in QEMU and runs `mkcdrec mkbackup` inside itself, writing the rescue ISO (with the backup on it) to a second
/// disk, and powers off. Then `mkcdrec drill` boots that ISO against blank disks (same size, then 1.5×), recovers
/// unattended, boots the recovered disk and compares every file. Phase times and sizes are printed.
/// </summary>
public abstract partial class ReferenceMediumFixture : IDisposable
{
    private const string MkbackupJob = """
        #!/bin/sh
        s=$(date +%s.%N)
        mkcdrec --log /job/mkbackup.log mkbackup --output /job/out; rc=$?
        e=$(date +%s.%N)
        echo "MKBACKUP-SECONDS=$(echo "$e $s" | awk '{ printf "%.1f", $1 - $2 }')"
        ls -l /job/out
        exit $rc
        """;

    protected ReferenceMediumFixture(bool uefi)
    {
        Uefi = uefi;
        Tag = uefi ? "uefi" : "bios";
        Reference = ReferenceSystem.Ensure(uefi, Log);
        Work = Directory.CreateTempSubdirectory($"mkcdrec-drill-{Tag}-").FullName;
        var reuse = Environment.GetEnvironmentVariable("MKCDREC_DRILL_ISO_" + Tag.ToUpperInvariant());
        if (reuse is { Length: > 0 } && File.Exists(reuse))
        {
            // Developer shortcut: drill an ISO an earlier run made (it carries the mkcdrec binary of that run).
            Iso = Path.Combine(Work, Path.GetFileName(reuse));
            File.Copy(reuse, Iso);
            MkbackupSummary = $"mkbackup skipped (MKCDREC_DRILL_ISO_{Tag.ToUpperInvariant()}={reuse})";
        }
        else
        {
            var media = Path.Combine(Work, "media");
            var run = Reference.RunJob(Path.Combine(Work, "mkbackup"), MkbackupJob, new ReferenceJobOptions
            {
                JobDiskBytes = Size.GiB(4),
                Timeout = TimeSpan.FromMinutes(30),
                CopyOut = ["out", "mkbackup.log"],
                CopyOutTo = media,
            });
            Assert.True(run.ExitCode == 0, $"mkbackup failed in the reference system ({Tag}, job exit code {run.ExitCode}):\n{HostProcess.Tail(run.Console, 8000)}");
            var log = Path.Combine(media, "mkbackup.log");
            var steps = File.Exists(log)
                ? string.Join(", ", StepDone().Matches(File.ReadAllText(log)).Where(m => m.Groups[1].Value != "check tools").Select(m => $"{m.Groups[1].Value} {double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture):0} s"))
                : "no step times: mkbackup.log missing";
            MkbackupSummary = $"reference system boot {run.BootedAfter?.TotalSeconds:0} s, mkbackup {MkbackupSeconds().Match(run.Console).Groups[1].Value} s ({steps}), "
                + $"power-off {(run.Elapsed - run.JobDoneAfter!.Value).TotalSeconds:0} s{(run.PoweredOff ? "" : " (killed: no power-off)")}; QEMU start to end {run.Elapsed.TotalSeconds:0} s";
            Iso = Directory.GetFiles(Path.Combine(media, "out"), "*.iso").Single();
        }

        IsoBytes = new FileInfo(Iso).Length;
        Log($"[{Tag}] mkbackup inside the reference system: {MkbackupSummary}; ISO {Mib(IsoBytes)}");
    }

    public bool Uefi { get; }

    public string Tag { get; }

    public ReferenceSystem Reference { get; } = null!;

    public string Work { get; }

    public string Iso { get; }

    public long IsoBytes { get; }

    /// <summary>The backup phase: the reference system's boot, mkbackup and its steps, the power-off.</summary>
    public string MkbackupSummary { get; }

    public long DiskBytes => Reference.DiskBytes;

    /// <summary>1.5× the reference disk, in whole MiB.</summary>
    public long OneAndAHalfTimes => DiskBytes / 2 * 3 / (1 << 20) * (1 << 20);

    public static void Log(string s) => Console.Error.WriteLine("[drill] " + s);

    public static string Mib(long bytes) => DrillRunner.Mib(bytes);

    /// <summary>Runs `mkcdrec drill` (the product's own command) on the ISO, prints its phases and sizes, and returns its
    /// JSON report; fails with the failures and the consoles' ends unless it passed.</summary>
    public JsonElement Drill(string tag, params string[] extra)
    {
        var work = Path.Combine(Work, "drill-" + tag);
        var run = DrillRunner.Run(Iso, work, Path.Combine(Work, $"drill-{tag}.log"), Keep, extra);
        Log($"[{tag}] {run.Summary}; backup phase: {MkbackupSummary}");
        Assert.True(run.Passed, $"drill ({tag}) failed:\n{run.FailureText}");
        return run.Report;
    }

    /// <summary>The backup the ISO carries (/backup: layout, manifest, volumes), extracted once with xorriso.</summary>
    public string ExtractBackup()
    {
        var dir = Path.Combine(Work, "backup-from-iso");
        if (!File.Exists(Path.Combine(dir, "manifest.json")))
        {
            HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", Iso, "-extract", "/backup", dir], TimeSpan.FromMinutes(10));
            HostProcess.Checked("chmod", "-R", "u+w", dir); // ISO 9660 files come out read-only
        }

        return dir;
    }

    /// <summary>MKCDREC_DRILL_KEEP=1 keeps the work directory (consoles, logs, ISO, scratch disks) for a look afterwards.</summary>
    public static bool Keep => Environment.GetEnvironmentVariable("MKCDREC_DRILL_KEEP") == "1";

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        if (Keep && Work.Length > 0)
        {
            Log($"kept {Work} (MKCDREC_DRILL_KEEP=1)");
        }
        else if (Work.Length > 0 && Directory.Exists(Work))
        {
            Directory.Delete(Work, recursive: true);
        }
    }

    [GeneratedRegex(@"mkbackup \[\d+/\d+\] (.+?) done in ([0-9.]+) s")]
    private static partial Regex StepDone();

    [GeneratedRegex(@"MKBACKUP-SECONDS=([0-9.]+)")]
    private static partial Regex MkbackupSeconds();
}

public sealed class BiosReferenceMedium() : ReferenceMediumFixture(uefi: false);

public sealed class UefiReferenceMedium() : ReferenceMediumFixture(uefi: true);

/// <summary>One mkbackup in the BIOS reference system, shared by the BIOS drills and the local-backup clone test.</summary>
[CollectionDefinition(Name)]
public sealed class BiosReference : ICollectionFixture<BiosReferenceMedium>
{
    public const string Name = "BIOS reference medium";
}

[CollectionDefinition(Name)]
public sealed class UefiReference : ICollectionFixture<UefiReferenceMedium>
{
    public const string Name = "UEFI reference medium";
}

[Collection(BiosReference.Name)]
public sealed class BiosDrillTests(BiosReferenceMedium medium)
{
    [Fact]
    public void The_reference_system_comes_back_on_a_blank_disk_of_the_same_size()
    {
        var r = medium.Drill("bios-same");
        Assert.Equal("bios", r.GetProperty("firmware").GetString());
        Assert.Equal(medium.DiskBytes, r.GetProperty("diskSizes")[0].GetInt64());
        Assert.True(r.GetProperty("restoreCompare").GetArrayLength() >= 2, "the root and /home filesystems were compared");
        Assert.All(r.GetProperty("restoreCompare").EnumerateArray(), s => Assert.True(s.GetProperty("files").GetInt64() > 0));
    }

    [Fact]
    public void The_reference_system_comes_back_on_a_blank_disk_one_and_a_half_times_larger()
    {
        var r = medium.Drill("bios-1.5x", "--disk-size", medium.OneAndAHalfTimes.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(medium.OneAndAHalfTimes, r.GetProperty("diskSizes")[0].GetInt64());
    }
}

/// <summary>UEFI (OVMF, q35): the recovery installs GRUB for x86_64-efi with a firmware boot entry (kept in the drill's
/// copy of the variable store between the recovery and the first boot) and the removable path \EFI\BOOT\BOOTX64.EFI.</summary>
[Collection(UefiReference.Name)]
public sealed class UefiDrillTests(UefiReferenceMedium medium)
{
    [Fact]
    public void The_reference_system_comes_back_on_a_blank_disk_of_the_same_size()
    {
        var r = medium.Drill("uefi-same");
        Assert.Equal("uefi", r.GetProperty("firmware").GetString());
        Assert.Equal(medium.DiskBytes, r.GetProperty("diskSizes")[0].GetInt64());
        Assert.True(r.GetProperty("restoreCompare").GetArrayLength() >= 3, "the ESP, root and /home filesystems were compared");

        // The firmware started the entry the recovery created (grub-install's NVRAM entry), not a fallback it made itself.
        Assert.Matches(@"^Boot[0-9A-F]{4} debian$", r.GetProperty("efiBootEntry").GetString());
    }

    [Fact]
    public void The_reference_system_comes_back_on_a_blank_disk_one_and_a_half_times_larger()
    {
        var r = medium.Drill("uefi-1.5x", "--disk-size", medium.OneAndAHalfTimes.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(medium.OneAndAHalfTimes, r.GetProperty("diskSizes")[0].GetInt64());
        Assert.Matches(@"^Boot[0-9A-F]{4} debian$", r.GetProperty("efiBootEntry").GetString());
    }
}
