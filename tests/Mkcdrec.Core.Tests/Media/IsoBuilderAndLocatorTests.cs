using System.Security.Cryptography;
using System.Text;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Media;

namespace Mkcdrec.Core.Tests.Media;

/// <summary>Plays the tools: grub-mkimage/mkfs.vfat/xorriso write their output files; xorriso may fail half way.</summary>
internal sealed class FakeMediaRunner : IProcessRunner
{
    public List<ProcessRequest> Calls { get; } = [];

    public Func<ProcessRequest, ProcessResult?> Handler { get; set; } = _ => null;

    public ProcessResult Run(ProcessRequest request)
    {
        Calls.Add(request);
        if (Handler(request) is { } custom)
        {
            return custom;
        }

        var args = request.Arguments;
        switch (request.FileName)
        {
            case "grub-mkimage":
                File.WriteAllBytes(args[args.ToList().IndexOf("-o") + 1], new byte[4096]);
                break;
            case "mkfs.vfat":
                File.WriteAllBytes(args[2], new byte[1024]);
                break;
            case "xorriso":
                File.WriteAllText(args[args.ToList().IndexOf("-o") + 1], "ISO:" + string.Join(' ', args));
                break;
        }

        return new ProcessResult(0, "", "", TimeSpan.Zero);
    }

    public bool CanRun(string program) => true;
}

public sealed class IsoBuilderAndLocatorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mkcdrec-media-unit-" + Guid.NewGuid().ToString("N"));

    public IsoBuilderAndLocatorTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "grub", "i386-pc"));
        Directory.CreateDirectory(Path.Combine(_dir, "grub", "x86_64-efi"));
        foreach (var f in new[] { "i386-pc/boot_hybrid.img", "i386-pc/kernel.img", "x86_64-efi/kernel.img" })
        {
            File.WriteAllText(Path.Combine(_dir, "grub", f), "x");
        }

        File.WriteAllText(Path.Combine(_dir, "vmlinuz"), "kernel");
        File.WriteAllText(Path.Combine(_dir, "initrd.img"), "initrd");
        Directory.CreateDirectory(Path.Combine(_dir, "out"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IsoRequest Request(string label = "MKCDREC_T_20261126") => new()
    {
        Label = label,
        OutputPath = Path.Combine(_dir, "out", "rescue.iso"),
        WorkDir = Path.Combine(_dir, "work"),
        KernelPath = Path.Combine(_dir, "vmlinuz"),
        InitrdPath = Path.Combine(_dir, "initrd.img"),
        Files = [new IsoGraft("/backup/a=b.000", "/srv/back\\up/a=b.000")],
    };

    // The x86_64 medium (BIOS and UEFI) whatever machine runs the test (the arm64 tier runs these under qemu-user).
    private IsoBuilder Builder(FakeMediaRunner run) => new(run, NullLog.Instance, Path.Combine(_dir, "grub"), MachineArchitecture.X86_64);

    [Fact]
    public void A_build_writes_the_iso_and_a_sha256sum_file_and_leaves_no_temporary()
    {
        var run = new FakeMediaRunner();
        var r = Builder(run).Build(Request());
        var iso = Path.Combine(_dir, "out", "rescue.iso");
        Assert.Equal(iso, r.Path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(iso)));
        Assert.Equal(sha, r.Sha256);
        Assert.Equal($"{sha}  rescue.iso\n", File.ReadAllText(iso + ".sha256"));
        Assert.Equal(["rescue.iso", "rescue.iso.sha256"], Directory.GetFiles(Path.Combine(_dir, "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // the tools were asked for BIOS and UEFI images with the label-search config, then xorriso for a hybrid image
        var mk = run.Calls.Where(c => c.FileName == "grub-mkimage").ToList();
        Assert.Equal(["i386-pc-eltorito", "x86_64-efi"], mk.Select(c => c.Arguments[c.Arguments.ToList().IndexOf("-O") + 1]));
        var x = run.Calls.Single(c => c.FileName == "xorriso").Arguments.ToList();
        Assert.Equal("MKCDREC_T_20261126", x[x.IndexOf("-V") + 1]);
        Assert.Contains("--grub2-mbr", x);
        Assert.Contains("--interval:appended_partition_2:all::", x);
        Assert.Contains("/boot/vmlinuz=" + Path.Combine(_dir, "vmlinuz"), x);
        Assert.Contains("/backup/a\\=b.000=/srv/back\\\\up/a\\=b.000", x); // graft-point escaping
        Assert.Contains(run.Calls, c => c.FileName == "mcopy" && c.Arguments[^1] == "::/EFI/BOOT/BOOTX64.EFI");
        Assert.Contains("search --no-floppy --label --set=root MKCDREC_T_20261126", File.ReadAllText(Path.Combine(_dir, "work", "iso-root", "boot", "grub", "grub.cfg")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_xorriso_leaves_the_previous_iso_and_its_checksum_untouched_and_nothing_that_looks_complete()
    {
        var iso = Path.Combine(_dir, "out", "rescue.iso");
        File.WriteAllText(iso, "the last good medium");
        File.WriteAllText(iso + ".sha256", "old-sum  rescue.iso\n");
        var run = new FakeMediaRunner
        {
            Handler = r =>
            {
                if (r.FileName != "xorriso")
                {
                    return null;
                }

                var args = r.Arguments.ToList();
                File.WriteAllText(args[args.IndexOf("-o") + 1], "half an ISO"); // written part of it, then ran out of space
                return new ProcessResult(5, "", "libburn : FATAL : No space left on device", TimeSpan.Zero);
            },
        };
        var e = Assert.Throws<MkcdrecException>(() => Builder(run).Build(Request()));
        Assert.Equal(ExitCode.Environment, e.Code); // said as a full output directory (IsoOutputFull), not as a failed command
        Assert.Contains("has no room for rescue.iso: writing the ISO failed with 'No space left on device'", e.Message, StringComparison.Ordinal);
        Assert.Contains("The previous rescue.iso there is intact.", e.Message, StringComparison.Ordinal);
        Assert.Equal("the last good medium", File.ReadAllText(iso));
        Assert.Equal("old-sum  rescue.iso\n", File.ReadAllText(iso + ".sha256"));
        Assert.Equal(["rescue.iso", "rescue.iso.sha256"], Directory.GetFiles(Path.Combine(_dir, "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_set_is_renamed_only_when_every_medium_was_built()
    {
        // four volumes of 3/8 of the boot files' reserve on media with room for two each (the first has room for the rescue system only): 3 media
        var backup = Path.Combine(_dir, "backup");
        Directory.CreateDirectory(backup);
        WriteBackup(backup, 4, (int)(MediaWriter.BootFilesReserve * 3 / 8));
        var built = 0;
        var run = new FakeMediaRunner
        {
            Handler = r =>
            {
                if (r.FileName == "xorriso" && ++built == 3)
                {
                    return new ProcessResult(1, "", "xorriso : FAILURE : simulated", TimeSpan.Zero);
                }

                return null;
            },
        };
        var writer = new MediaWriter(Builder(run), NullLog.Instance);
        var options = new MediaOptions
        {
            OutputDir = Path.Combine(_dir, "out"),
            KernelPath = Path.Combine(_dir, "vmlinuz"),
            InitrdPath = Path.Combine(_dir, "initrd.img"),
            Host = "web01",
            Date = new DateOnly(2026, 11, 26),
            BackupDir = backup,
            MediumCapacity = MediumPlanner.IsoOverhead + MediaWriter.BootFilesReserve + (100 << 10),
            WorkDir = Path.Combine(_dir, "work"),
        };
        Assert.Throws<MkcdrecException>(() => writer.Write(options));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "out")));

        built = -100;
        var result = writer.Write(options);
        Assert.Equal(3, result.Isos.Count);
        Assert.Equal([0, 2, 2], result.Media[0].Media.Select(m => m.Files.Count));
        var names = Directory.GetFiles(Path.Combine(_dir, "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(1, result.Isos.Count).SelectMany(i => new[] { $"mkcdrec-web01-{i}.iso", $"mkcdrec-web01-{i}.iso.sha256" }).Order(StringComparer.Ordinal), names);
        Assert.Equal(Enumerable.Range(1, result.Isos.Count).Select(i => $"MKCDREC_WEB01_20261126_{i}"), result.Media.Select(m => m.Label));
        Assert.All(result.Media, m => Assert.Equal(result.Isos.Count, m.Media.Count));
        Assert.Equal(["v.000", "v.001", "v.002", "v.003"], result.Media[0].Media.SelectMany(m => m.Files));

        // only the first boots; every medium carries the manifest, its volumes and medium.json
        var xorrisos = run.Calls.Where(c => c.FileName == "xorriso").TakeLast(result.Isos.Count).ToList();
        Assert.Contains("--grub2-mbr", xorrisos[0].Arguments);
        Assert.All(xorrisos.Skip(1), c => Assert.DoesNotContain("--grub2-mbr", c.Arguments));
        Assert.All(xorrisos, c => Assert.Contains(c.Arguments, a => a.StartsWith("/backup/manifest.json=", StringComparison.Ordinal)));
    }

    internal static void WriteBackup(string dir, int volumes, int size)
    {
        var m = new Mkcdrec.Model.Manifest.BackupManifest();
        var a = new Mkcdrec.Model.Manifest.ArchiveRecord { FilesystemId = "root", ChunkSize = 1 << 20 };
        for (var i = 0; i < volumes; i++)
        {
            var name = $"v.{i:D3}";
            File.WriteAllBytes(Path.Combine(dir, name), new byte[size]);
            a.Volumes.Add(new Mkcdrec.Model.Manifest.VolumeRecord { File = name, Size = size });
        }

        m.Archives.Add(a);
        File.WriteAllBytes(Path.Combine(dir, "manifest.json"), m.ToJson());
    }

    private sealed class ScriptedPrompt(Action onAsk) : IMediumPrompt
    {
        public List<string> Asked { get; } = [];

        public bool AskForMedium(string label, int index, int count, string volume)
        {
            Asked.Add($"{label} {index}/{count} {volume}");
            onAsk();
            return Asked.Count < 3;
        }
    }

    private sealed class MountsFile(Func<string> text) : ISystemFiles
    {
        public bool FileExists(string path) => false;

        public bool DirectoryExists(string path) => false;

        public string? ReadText(string path) => path == "/proc/self/mounts" ? text() : null;

        public IReadOnlyList<string> ListDirectory(string path) => [];

        public string? ReadLink(string path) => null;

        public Stream OpenRead(string path) => throw new FileNotFoundException(path);
    }

    private static MediumDocument Set() => new()
    {
        Label = "MKCDREC_H_20261126_1",
        Index = 1,
        Count = 2,
        Media =
        [
            new MediumEntry { Index = 1, Label = "MKCDREC_H_20261126_1", Files = ["v.000"] },
            new MediumEntry { Index = 2, Label = "MKCDREC_H_20261126_2", Files = ["v.001"] },
        ],
    };

    [Fact]
    public void The_media_locator_asks_for_the_medium_by_label_finds_it_with_blkid_and_mounts_it()
    {
        var backup = Path.Combine(_dir, "medium1", "backup");
        Directory.CreateDirectory(backup);
        File.WriteAllText(Path.Combine(backup, "v.000"), "one");
        var mountRoot = Path.Combine(_dir, "media");
        var inserted = false;
        var run = new FakeMediaRunner
        {
            Handler = r => r.FileName switch
            {
                "blkid" => inserted ? new ProcessResult(0, "/dev/sr0\n", "", TimeSpan.Zero) : new ProcessResult(2, "", "", TimeSpan.Zero),
                "umount" => new ProcessResult(0, "", "", TimeSpan.Zero),
                "mount" => Mount(r),
                _ => null,
            },
        };
        var prompt = new ScriptedPrompt(() => inserted = true);
        var locator = new MediaVolumeLocator(Set(), run, new MountsFile(() => "/dev/sr0 /run/mkcdrec/medium iso9660 ro 0 0\n"), prompt, NullLog.Instance, mountRoot);

        Assert.Equal(Path.Combine(backup, "v.000"), locator.Obtain(backup, "v.000")); // on the mounted medium: no question
        Assert.Null(locator.Find(backup, "v.001"));
        Assert.True(locator.CanObtainLater("v.001"));
        Assert.False(locator.CanObtainLater("v.999"));

        var path = locator.Obtain(backup, "v.001");
        Assert.Equal(Path.Combine(mountRoot, "MKCDREC_H_20261126_2", "backup", "v.001"), path);
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Equal(["MKCDREC_H_20261126_2 2/2 v.001"], prompt.Asked);
        Assert.Contains(run.Calls, c => c.FileName == "blkid" && c.Arguments.Contains("LABEL=MKCDREC_H_20261126_2"));
        // the same drive still had the first disc mounted: it is detached before the new disc is mounted
        var umount = run.Calls.FindIndex(c => c.FileName == "umount" && c.Arguments.SequenceEqual(["-l", "/run/mkcdrec/medium"]));
        var mount = run.Calls.FindIndex(c => c.FileName == "mount");
        Assert.True(umount >= 0 && umount < mount);
        Assert.Equal(["-t", "iso9660", "-o", "ro", "/dev/sr0", Path.Combine(mountRoot, "MKCDREC_H_20261126_2")], run.Calls[mount].Arguments);

        Assert.Equal(path, locator.Obtain(backup, "v.001")); // now found without asking again
        Assert.Single(prompt.Asked);

        static ProcessResult Mount(ProcessRequest r)
        {
            var mp = r.Arguments[^1];
            Directory.CreateDirectory(Path.Combine(mp, "backup"));
            File.WriteAllText(Path.Combine(mp, "backup", "v.001"), "two");
            return new ProcessResult(0, "", "", TimeSpan.Zero);
        }
    }

    [Fact]
    public void A_medium_attached_in_another_drive_counts_as_there_and_is_mounted_without_asking()
    {
        var backup = Path.Combine(_dir, "medium1", "backup");
        Directory.CreateDirectory(backup);
        var mountRoot = Path.Combine(_dir, "media");
        var attached = false;
        var run = new FakeMediaRunner
        {
            Handler = r => r.FileName switch
            {
                "blkid" => attached ? new ProcessResult(0, "/dev/sr1\n", "", TimeSpan.Zero) : new ProcessResult(2, "", "", TimeSpan.Zero),
                "mount" => Mount(r),
                _ => null,
            },
        };
        var prompt = new ScriptedPrompt(() => { });
        IVolumeSource locator = new MediaVolumeLocator(Set(), run, new MountsFile(() => "/dev/sr0 /run/mkcdrec/medium iso9660 ro 0 0\n"), prompt, NullLog.Instance, mountRoot);

        Assert.Null(locator.SizeNow(backup, "v.001")); // not in a drive: not there now, but the restore may ask for it
        Assert.True(locator.CanObtainLater("v.001"));
        attached = true;
        Assert.Equal(5, locator.SizeNow(backup, "v.001"));
        using (var stream = locator.Open(backup, "v.001"))
        {
            Assert.Equal(5, stream.Length);
        }

        Assert.Empty(prompt.Asked);
        Assert.DoesNotContain(run.Calls, c => c.FileName == "umount"); // medium 1 stays mounted in its own drive
        Assert.Single(run.Calls, c => c.FileName == "mount");

        static ProcessResult Mount(ProcessRequest r)
        {
            var mp = r.Arguments[^1];
            Directory.CreateDirectory(Path.Combine(mp, "backup"));
            File.WriteAllText(Path.Combine(mp, "backup", "v.001"), "two 2");
            return new ProcessResult(0, "", "", TimeSpan.Zero);
        }
    }

    [Fact]
    public void Giving_up_names_the_medium_to_insert()
    {
        var run = new FakeMediaRunner { Handler = r => r.FileName == "blkid" ? new ProcessResult(2, "", "", TimeSpan.Zero) : null };
        var prompt = new ScriptedPrompt(() => { });
        var locator = new MediaVolumeLocator(Set(), run, new MountsFile(() => ""), prompt, NullLog.Instance, Path.Combine(_dir, "media"));
        var e = Assert.Throws<MkcdrecException>(() => locator.Obtain(_dir, "v.001"));
        Assert.Contains("MKCDREC_H_20261126_2", e.Hint, StringComparison.Ordinal);
        Assert.Equal(3, prompt.Asked.Count);
    }

    [Fact]
    public void The_directory_locator_reports_a_missing_volume_up_front()
    {
        Assert.Null(DirectoryVolumeLocator.Instance.Find(_dir, "nope"));
        Assert.False(DirectoryVolumeLocator.Instance.CanObtainLater("nope"));
        Assert.Throws<MkcdrecException>(() => DirectoryVolumeLocator.Instance.Obtain(_dir, "nope"));
    }

    [Fact]
    public void Medium_json_round_trips_and_names_the_medium_of_each_volume()
    {
        var d = Set();
        var back = MediumDocument.Parse(d.ToJson(), "test");
        Assert.Equal(2, back.MediumOf("v.001")!.Index);
        Assert.Null(back.MediumOf("v.002"));
        Assert.Contains("\"index\": 1", Encoding.UTF8.GetString(d.ToJson()), StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => MediumDocument.Parse("{\"formatVersion\":1,\"index\":3,\"count\":2}"u8, "x"));
    }
}
