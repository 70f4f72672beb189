using System.Buffers.Binary;
using System.Text;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Formats.Elf;
using Mkcdrec.Model.Layout;
using Mkcdrec.Tests.Shared;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Storage.Btrfs;
using Mkcdrec.Core.Storage.Filesystems;

namespace Mkcdrec.Core.Tests.Rescue;

public class RescueSystemBuilderTests
{
    private const string Kver = "6.1.0-99-amd64";
    private const string Multiarch = "/usr/lib/x86_64-linux-gnu";
    private const string Mods = "/usr/lib/modules/" + Kver; // the fake resolves /lib → usr/lib like the kernel

    /// <summary>Answers busybox --list-full and depmod (writing a modules.dep into the staging tree, as depmod would).</summary>
    private sealed class FakeRunner : IProcessRunner
    {
        public List<ProcessRequest> Calls { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            Calls.Add(request);
            if (request.FileName.EndsWith("busybox", StringComparison.Ordinal) && request.Arguments[0] == "--list-full")
            {
                return new ProcessResult(0, "usr/bin/ls\nbin/sh\nsbin/modprobe\nbin/mount\nsbin/udhcpc\nusr/bin/awk\n", "", TimeSpan.Zero);
            }

            if (request.FileName == "depmod")
            {
                var dir = Path.Combine(request.Arguments[1], "lib", "modules", request.Arguments[2]);
                var mods = Directory.EnumerateFiles(dir, "*.ko*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal);
                File.WriteAllText(Path.Combine(dir, "modules.dep"), string.Concat(mods.Select(m => m + ":\n")));
                File.WriteAllBytes(Path.Combine(dir, "modules.dep.bin"), [0xB0, 0x07, 0xF4, 0x57]);
                return new ProcessResult(0, "", "", TimeSpan.Zero);
            }

            return new ProcessResult(127, "", "not faked: " + request.CommandLine, TimeSpan.Zero);
        }

        public bool CanRun(string program) => true;
    }

    private static byte[] Prog(params string[] needed) =>
        new ElfBuilder { Type = ElfType.Dyn, Interpreter = "/lib64/ld-linux-x86-64.so.2", Needed = needed.Length == 0 ? ["libc.so.6"] : needed }.Build();

    private static byte[] Lib(string soname, params string[] needed) => new ElfBuilder { SoName = soname, Needed = needed }.Build();

    public static byte[] Kernel(string version)
    {
        var b = new byte[16384];
        b[0x1F1] = 27;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x1FE), 0xAA55);
        Encoding.ASCII.GetBytes("HdrS").CopyTo(b, 0x202);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x206), 0x020F);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x20E), 0x1000);
        Encoding.ASCII.GetBytes(version + " (test@example) #1 SMP\0").CopyTo(b, 0x1200);
        return b;
    }

    /// <summary>A merged-/usr Debian with the base programs, libc, libssl, a kernel and a few modules.</summary>
    private static FakeFiles Host()
    {
        var fs = new FakeFiles()
            .Link("/lib", "usr/lib").Link("/lib64", "usr/lib64").Link("/bin", "usr/bin").Link("/sbin", "usr/sbin")
            .Link("/usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
            .File(Multiarch + "/ld-linux-x86-64.so.2", Lib("ld-linux-x86-64.so.2"))
            .File(Multiarch + "/libc.so.6", Lib("libc.so.6", "ld-linux-x86-64.so.2"))
            .File(Multiarch + "/libkmod.so.2", Lib("libkmod.so.2", "libc.so.6"))
            .File(Multiarch + "/libssl.so.3", Lib("libssl.so.3", "libcrypto.so.3", "libc.so.6"))
            .File(Multiarch + "/libcrypto.so.3", Lib("libcrypto.so.3", "libc.so.6"))
            .Text("/etc/ld.so.conf", "/usr/lib/x86_64-linux-gnu\n")
            .File("/usr/bin/busybox", new ElfBuilder { Type = ElfType.Exec }.Build())
            .File("/usr/bin/kmod", Prog("libkmod.so.2", "libc.so.6"))
            .Link("/usr/sbin/modprobe", "/bin/kmod")
            .File("/usr/bin/udevadm", Prog())
            .Link("/usr/lib/systemd/systemd-udevd", "/bin/udevadm")
            .File("/usr/bin/mount", Prog()).File("/usr/bin/umount", Prog()).File("/usr/bin/lsblk", Prog())
            .File("/usr/sbin/blkid", Prog()).File("/usr/sbin/wipefs", Prog()).File("/usr/sbin/blockdev", Prog()).File("/usr/bin/partx", Prog())
            .File("/usr/sbin/mke2fs", Prog()).Link("/usr/sbin/mkfs.ext4", "mke2fs").File("/usr/sbin/e2fsck", Prog())
            .File("/usr/sbin/tune2fs", Prog()).File("/usr/sbin/resize2fs", Prog()).File("/usr/sbin/e2label", Prog())
            .File("/opt/build/mkcdrec", Prog())
            .File("/boot/vmlinuz-" + Kver, Kernel(Kver))
            .Text("/proc/sys/kernel/osrelease", Kver + "\n")
            .Text(Mods + "/modules.dep", "kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko\nkernel/fs/jbd2/jbd2.ko:\nkernel/drivers/block/virtio_blk.ko:\nkernel/drivers/net/unused.ko:\n")
            .Text(Mods + "/modules.builtin", "kernel/drivers/scsi/sd_mod.ko\n")
            .Text(Mods + "/modules.order", "kernel/fs/ext4/ext4.ko\n")
            .Text(Mods + "/kernel/fs/ext4/ext4.ko", "ext4 module")
            .Text(Mods + "/kernel/fs/jbd2/jbd2.ko", "jbd2 module")
            .Text(Mods + "/kernel/drivers/block/virtio_blk.ko", "virtio_blk module")
            .Text(Mods + "/kernel/drivers/net/unused.ko", "not asked for")
            .Text("/usr/lib/terminfo/l/linux", "terminfo")
            .Link("/usr/lib/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt")
            .Text("/etc/ssl/certs/ca-certificates.crt", "-----BEGIN CERTIFICATE-----\n")
            .Text("/usr/lib/udev/rules.d/60-persistent-storage.rules", "# by-id links\n")
            .Text("/usr/lib/udev/rules.d/64-md-raid-assembly.rules", "# would assemble old arrays\n")
            .Text("/etc/mkcdrec/mkcdrec.conf", "compress = zstd\n")
            .Text("/etc/mkcdrec/passphrase", "s3cret\n");
        return fs;
    }

    private static LayoutDocument Layout(params string[] fsTypes)
    {
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "alpha" } };
        var i = 0;
        foreach (var t in fsTypes)
        {
            doc.Filesystems.Add(new Filesystem { Id = "fs" + i++, Type = t });
        }

        doc.Network.Interfaces.Add(new NetworkInterface { Name = "eth0", Mac = "52:54:00:12:34:56", Addresses = ["192.168.7.10/24", "fe80::1/64"] });
        doc.Network.Routes.Add(new NetworkRoute { Destination = "default", Gateway = "192.168.7.1", Device = "eth0" });
        doc.Network.Nameservers.Add("192.168.7.1");
        return doc;
    }

    private static Dictionary<string, CpioEntry> ReadImage(string path)
    {
        using var f = File.OpenRead(path);
        var head = new byte[8];
        f.ReadExactly(head);
        f.Position = 0;
        using var z = InitramfsCompression.OpenDecompressor(f, InitramfsCompression.Detect(head));
        using var r = new CpioReader(z);
        return r.ReadAll().ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(19)]
    public void A_zstd_initramfs_has_a_window_the_kernel_accepts_and_a_checksum(int? level)
    {
        var work = Tool.TempDir("rescue-zstd");
        try
        {
            var rs = new RescueSystemBuilder(Host(), new FakeRunner()).Build(new RescueSystemOptions
            {
                WorkDirectory = work, MkcdrecBinary = "/opt/build/mkcdrec", Layout = Layout("ext4"), Compression = InitramfsCompressionKind.Zstd, CompressionLevel = level,
            });
            var head = new byte[32];
            using (var f = File.OpenRead(rs.InitramfsPath))
            {
                f.ReadExactly(head);
            }

            var h = InitramfsCompression.ReadZstdFrameHeader(head);
            Assert.True(h.WindowSize <= 1UL << InitramfsCompression.MaxZstdWindowLog, $"window {h.WindowSize}");
            Assert.True(h.HasChecksum);
            Assert.True(ReadImage(rs.InitramfsPath).ContainsKey("init"));
        }
        finally
        {
            Tool.RemoveDir(work);
        }
    }

    /// <summary>
    /// A multiarch host (the arm64 tier's packages): an arm64 libssl.so.3 beside the x86_64 one, and ld.so.conf.d lists
    /// aarch64-linux-gnu first. The rescue system takes the libraries mkcdrec can load (found by the CI run that booted
    /// rescue systems whose mkcdrec aborted: "No usable version of libssl was found").
    /// </summary>
    [Fact]
    public void Libraries_opened_at_run_time_are_of_mkcdrecs_machine_on_a_multiarch_host()
    {
        var work = Tool.TempDir("rescue-multiarch");
        try
        {
            static byte[] Arm(string soname, params string[] needed) => new ElfBuilder { Machine = ElfMachine.AArch64, SoName = soname, Needed = needed }.Build();
            var host = Host()
                .Text("/etc/ld.so.conf", "/usr/lib/aarch64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n")
                .File("/usr/lib/aarch64-linux-gnu/libssl.so.3", Arm("libssl.so.3", "libcrypto.so.3"))
                .File("/usr/lib/aarch64-linux-gnu/libcrypto.so.3", Arm("libcrypto.so.3"))
                .File("/usr/lib/aarch64-linux-gnu/libzstd.so.1", Arm("libzstd.so.1"));
            var rs = new RescueSystemBuilder(host, new FakeRunner()).Build(new RescueSystemOptions
            {
                WorkDirectory = work, MkcdrecBinary = "/opt/build/mkcdrec", Layout = Layout("ext4"), Compression = InitramfsCompressionKind.Gzip,
            });
            var e = ReadImage(rs.InitramfsPath);
            Assert.True(e.ContainsKey("usr/lib/x86_64-linux-gnu/libssl.so.3"));
            Assert.True(e.ContainsKey("usr/lib/x86_64-linux-gnu/libcrypto.so.3"));
            Assert.DoesNotContain(e.Keys, k => k.Contains("aarch64", StringComparison.Ordinal));
        }
        finally
        {
            Tool.RemoveDir(work);
        }
    }

    [Fact]
    public void Builds_an_initramfs_with_programs_libraries_modules_layout_and_our_init()
    {
        var work = Tool.TempDir("rescue-build");
        try
        {
            var runner = new FakeRunner();
            var rs = new RescueSystemBuilder(Host(), runner).Build(new RescueSystemOptions
            {
                WorkDirectory = work, MkcdrecBinary = "/opt/build/mkcdrec", Layout = Layout("ext4"), Compression = InitramfsCompressionKind.Gzip,
            });

            Assert.Equal(Kver, rs.KernelVersion);
            Assert.Equal(Kernel(Kver), File.ReadAllBytes(rs.KernelPath));
            Assert.Equal(new FileInfo(rs.InitramfsPath).Length, rs.InitramfsBytes);
            var e = ReadImage(rs.InitramfsPath);

            // Our /init, executable; the layout, readable back; the menu.
            Assert.Equal(0x1EDu, e["init"].Permissions);
            Assert.StartsWith("#!/bin/sh", Encoding.UTF8.GetString(e["init"].Data.Span));
            Assert.Equal("alpha", LayoutSerializer.Deserialize(Encoding.UTF8.GetString(e["etc/mkcdrec/layout.json"].Data.Span)).Host.Hostname);
            Assert.Equal("/etc/mkcdrec/layout.json", e["var/lib/mkcdrec/layout.json"].LinkTarget);
            Assert.True(e.ContainsKey("usr/lib/mkcdrec/menu"));
            Assert.Equal(CpioEntryType.CharacterDevice, e["dev/console"].Type);

            // Neither the host's configuration file (its paths name host files; the rescue system reads none) nor its secrets come along.
            Assert.False(e.ContainsKey("etc/mkcdrec/mkcdrec.conf"));
            Assert.False(e.ContainsKey("etc/mkcdrec/passphrase"));

            // mkcdrec at /usr/bin/mkcdrec, not at its build path; its libraries and libssl (dlopen) with it.
            Assert.Equal(0x1EDu, e["usr/bin/mkcdrec"].Permissions);
            Assert.DoesNotContain(e.Keys, k => k.StartsWith("opt/", StringComparison.Ordinal));
            Assert.True(e.ContainsKey("usr/lib/x86_64-linux-gnu/libc.so.6"));
            Assert.True(e.ContainsKey("usr/lib/x86_64-linux-gnu/libssl.so.3"));
            Assert.True(e.ContainsKey("usr/lib/x86_64-linux-gnu/libcrypto.so.3"));
            Assert.True(e.ContainsKey("usr/lib/x86_64-linux-gnu/libkmod.so.2"));

            // The CA bundle where .NET's OpenSSL looks for it, for fetch https://… in the rescue system.
            Assert.Equal("/etc/ssl/certs/ca-certificates.crt", e["usr/lib/ssl/cert.pem"].LinkTarget);
            Assert.True(e.ContainsKey("etc/ssl/certs/ca-certificates.crt"));

            // merged /usr as on the host: nothing is written under a directory link.
            Assert.Equal("usr/lib", e["lib"].LinkTarget);
            Assert.Equal("usr/bin", e["bin"].LinkTarget);
            Assert.DoesNotContain(e.Keys, k => k.StartsWith("lib/", StringComparison.Ordinal) || k.StartsWith("bin/", StringComparison.Ordinal));

            // Real programs win over busybox applets; other applets point at busybox.
            Assert.Equal("/usr/bin/kmod", e["usr/sbin/modprobe"].LinkTarget); // where the host has it: the kernel runs /sbin/modprobe
            Assert.Equal("kmod", e["usr/bin/lsmod"].LinkTarget);                  // the host has no lsmod: beside kmod
            Assert.True(e["usr/bin/mount"].Type == CpioEntryType.RegularFile);
            Assert.Equal("/usr/bin/busybox", e["usr/bin/ls"].LinkTarget);
            Assert.Equal("/usr/bin/busybox", e["usr/sbin/udhcpc"].LinkTarget);
            Assert.Equal("mke2fs", e["usr/sbin/mkfs.ext4"].LinkTarget);

            // Modules: the asked-for ones and their dependencies, not the rest; the index depmod wrote.
            var m = "usr/lib/modules/" + Kver + "/";
            Assert.True(e.ContainsKey(m + "kernel/fs/ext4/ext4.ko"));
            Assert.True(e.ContainsKey(m + "kernel/fs/jbd2/jbd2.ko"));
            Assert.True(e.ContainsKey(m + "kernel/drivers/block/virtio_blk.ko"));
            Assert.False(e.ContainsKey(m + "kernel/drivers/net/unused.ko"));
            Assert.Contains("kernel/fs/ext4/ext4.ko:", Encoding.UTF8.GetString(e[m + "modules.dep"].Data.Span));
            Assert.True(e.ContainsKey(m + "modules.dep.bin"));
            Assert.Contains(runner.Calls, c => c.FileName == "depmod" && c.Arguments[0] == "-b" && c.Arguments[2] == Kver);
            Assert.Contains("ext4", Encoding.UTF8.GetString(e["etc/mkcdrec/modules"].Data.Span).Split('\n'));

            // The captured network, for mkcdrec.net=static.
            var net = Encoding.UTF8.GetString(e["etc/mkcdrec/network.conf"].Data.Span);
            Assert.Contains("iface eth0 52:54:00:12:34:56 - 192.168.7.10/24 fe80::1/64\n", net);
            Assert.Contains("route default 192.168.7.1 eth0\n", net);
            Assert.Contains("dns 192.168.7.1\n", net);
            Assert.Contains("MKCDREC_HOST='alpha'", Encoding.UTF8.GetString(e["etc/mkcdrec/rescue.conf"].Data.Span));

            // udev rules, without the ones that would assemble or activate old arrays on the target disks.
            Assert.True(e.ContainsKey("usr/lib/udev/rules.d/60-persistent-storage.rules"));
            Assert.False(e.ContainsKey("usr/lib/udev/rules.d/64-md-raid-assembly.rules"));

            // Optional programs that are missing are listed, not fatal.
            Assert.Contains(rs.SkippedPrograms, s => s.StartsWith("mkfs.xfs ", StringComparison.Ordinal));
            Assert.Contains("/usr/bin/mkcdrec", rs.Programs);
            Assert.Contains(rs.Notes, n => n.Contains("modules not in kernel", StringComparison.Ordinal));
        }
        finally
        {
            Tool.RemoveDir(work);
        }
    }

    [Fact]
    public void A_program_the_layout_needs_but_the_host_lacks_fails_the_build_naming_it_and_its_package()
    {
        var work = Tool.TempDir("rescue-build");
        try
        {
            var e = Assert.Throws<MkcdrecException>(() => new RescueSystemBuilder(Host(), new FakeRunner()).Build(new RescueSystemOptions
            {
                WorkDirectory = work, MkcdrecBinary = "/opt/build/mkcdrec", Layout = Layout("ext4", "xfs"),
            }));
            Assert.Equal(ExitCode.Environment, e.Code);
            Assert.Contains("mkfs.xfs", e.Message);
            Assert.Contains("apt-get install xfsprogs", e.Hint);
            Assert.False(File.Exists(Path.Combine(work, RescueSystemBuilder.InitramfsFileName)));
        }
        finally
        {
            Tool.RemoveDir(work);
        }
    }

    [Fact]
    public void A_running_kernel_without_modules_asks_for_an_installed_kernel_by_name()
    {
        var fs = Host().Text("/proc/sys/kernel/osrelease", "6.18.44-custom\n").File("/boot/vmlinuz-6.18.44-custom", Kernel("6.18.44-custom"));
        var b = new RescueSystemBuilder(fs, new FakeRunner());
        var e = Assert.Throws<MkcdrecException>(() => b.FindKernel(null));
        Assert.Contains("6.18.44-custom", e.Message);
        Assert.Contains("no modules in /lib/modules/6.18.44-custom", e.Message);
        Assert.Contains("--kernel", e.Hint);
        Assert.Contains("/boot/vmlinuz-" + Kver, e.Hint);

        // No image for the running kernel at all: the same hint.
        var e2 = Assert.Throws<MkcdrecException>(() => new RescueSystemBuilder(Host().Text("/proc/sys/kernel/osrelease", "7.0-x\n"), new FakeRunner()).FindKernel(null));
        Assert.Contains("/boot/vmlinuz-" + Kver, e2.Hint);

        // An explicit kernel is read by its header, whatever its file name.
        var (path, release, version) = new RescueSystemBuilder(Host().File("/tmp/bzImage", Kernel(Kver)), new FakeRunner()).FindKernel("/tmp/bzImage");
        Assert.Equal("/tmp/bzImage", path);
        Assert.Equal(Kver, release);
        Assert.Equal(Kver + " (test@example) #1 SMP", version);
        Assert.Equal(ExitCode.BadInput, Assert.Throws<MkcdrecException>(() =>
            new RescueSystemBuilder(Host().Text("/tmp/junk", new string('x', 4096)), new FakeRunner()).FindKernel("/tmp/junk")).Code);
    }

    [Fact]
    public void An_arm64_kernel_is_read_by_its_banner_on_an_arm64_machine_and_refused_on_an_x86_64_one()
    {
        const string release = "6.1.0-57-arm64";
        var image = new byte[1 << 20];
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(56), 0x644D5241); // "ARM\x64"
        Encoding.ASCII.GetBytes($"Linux version {release} (debian-kernel@lists.debian.org) #1 SMP\n").CopyTo(image, 600_000);
        FakeFiles Machine(string arch) => Host().Text("/proc/sys/kernel/arch", arch + "\n").File("/boot/vmlinuz-" + release, image)
            .Text($"/usr/lib/modules/{release}/modules.dep", "");

        var (_, found, _) = new RescueSystemBuilder(Machine("aarch64"), new FakeRunner()).FindKernel("/boot/vmlinuz-" + release);
        Assert.Equal(release, found);

        var e = Assert.Throws<MkcdrecException>(() => new RescueSystemBuilder(Machine("x86_64"), new FakeRunner()).FindKernel("/boot/vmlinuz-" + release));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Equal($"'/boot/vmlinuz-{release}' is an arm64 kernel image, and this machine is x86_64.", e.Message);
        var x86 = Assert.Throws<MkcdrecException>(() => new RescueSystemBuilder(Machine("aarch64"), new FakeRunner()).FindKernel("/boot/vmlinuz-" + Kver));
        Assert.Equal($"'/boot/vmlinuz-{Kver}' is an x86 kernel image, and this machine is aarch64.", x86.Message);
    }

    [Fact]
    public void The_registry_provides_every_program_recovery_plans_run()
    {
        // Names the planner/executor put in plan steps (PlanExecutor's package map) must exist in the rescue system:
        // as a program, a link to one, or a busybox applet (mkdir, umount ...).
        var provided = RescueComponents.All.SelectMany(c => c.Programs).SelectMany(p => p.Links.Append(p.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var p in new[] { "wipefs", "blockdev", "partx", "mount", "umount", "udevadm", "mdadm", "cryptsetup", "pvcreate", "vgcreate", "lvcreate",
                     "lvm", "mkfs.ext2", "mkfs.ext3", "mkfs.ext4", "mkfs.xfs", "mkfs.btrfs", "btrfs", "mkfs.vfat", "mkswap", "grub-install", "efibootmgr" })
        {
            Assert.Contains(p, provided);
        }

        Assert.Equal(RescueComponents.All.Count, RescueComponents.All.Select(c => c.Name).Distinct().Count());
        var needs = new RescueNeeds(Layout("xfs", "swap"), Sshd: false);
        Assert.True(FilesystemsTechnology.XfsComponent.RequiredWhen(needs));
        Assert.True(FilesystemsTechnology.SwapComponent.RequiredWhen(needs));
        Assert.False(BtrfsTechnology.BtrfsComponent.RequiredWhen(needs));
        Assert.False(RescueComponents.Sshd.IncludedWhen(needs));
        Assert.True(RescueComponents.Base.RequiredWhen(new RescueNeeds(null, false)));
    }

    [Fact]
    public void Every_program_a_technology_declares_for_its_steps_is_in_the_rescue_system()
    {
        string[] busyboxApplets = ["mkdir", "sed", "grep", "tee", "test"];
        var provided = RescueComponents.All.SelectMany(c => c.Programs).SelectMany(p => p.Links.Append(p.Name)).Concat(busyboxApplets).ToHashSet(StringComparer.Ordinal);
        var declared = Technologies.Storage.SelectMany(t => t.StepPrograms).SelectMany(p => p.Links.Append(p.Name)).ToList();
        Assert.Contains("udevadm", declared);
        Assert.All(declared, p => Assert.Contains(p, provided));
    }

    [Fact]
    public void The_filesystem_drivers_a_technology_lists_are_in_every_rescue_system()
    {
        // xfs and btrfs moved from the central driver list to their technologies: still included whatever the layout holds.
        var needs = new RescueNeeds(Layout("ext4"), Sshd: false);
        var modules = RescueComponents.All.Where(c => c.IncludedWhen(needs)).SelectMany(c => c.Modules).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["ext4", "xfs", "btrfs", "vfat", "isofs", "squashfs", "overlay", "libcrc32c"], StringComparer.Ordinal), modules);
    }

    [Theory]
    [InlineData("nfs", "nfs", "mount.nfs")]
    [InlineData("sftp", "ssh", "ssh")]
    public void A_backup_location_off_the_machine_brings_its_client_and_only_then(string scheme, string component, string program)
    {
        var plain = new RescueNeeds(Layout("ext4"), Sshd: false) { BackupSchemes = ["https"] };
        var reaching = plain with { BackupSchemes = [scheme.ToUpperInvariant()] };
        var c = Assert.Single(RescueComponents.All, x => x.Name == component);
        Assert.False(c.IncludedWhen(plain));
        Assert.True(c.IncludedWhen(reaching));
        Assert.True(c.RequiredWhen(reaching)); // a medium that cannot reach its backup must not be built
        Assert.Contains(program, c.Programs.Select(p => p.Name));
    }

    [Fact]
    public void The_tree_never_writes_below_a_directory_link_and_keeps_the_first_entry()
    {
        var t = new RescueImageTree();
        t.AddLink("/lib", "usr/lib");
        t.AddLink("/usr/lib64", "/usr/lib/x86_64");
        Assert.Equal("/usr/lib/modules/6.1/kernel/a.ko", t.Canonical("/lib/modules/6.1/kernel/a.ko"));
        Assert.Equal("/usr/lib/x86_64/ld.so", t.Canonical("/usr/lib64/ld.so"));
        Assert.True(t.AddText("/lib/x", "one"));
        Assert.False(t.AddText("/usr/lib/x", "two"));
        Assert.IsType<RescueImageTree.DirectoryNode>(t.Nodes["/usr"]);
        Assert.Equal("one", Encoding.UTF8.GetString(((RescueImageTree.DataNode)t.Nodes["/usr/lib/x"]).Data));
    }

    public static TheoryData<string> Scripts => new() { "init", "menu", "udhcpc.script", "profile" };

    [Theory]
    [MemberData(nameof(Scripts))]
    public void The_rescue_scripts_parse_with_busybox_sh(string name)
    {
        var busybox = new[] { "/usr/bin/busybox", "/bin/busybox" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(busybox is null, "busybox is not installed");
        var text = RescueSystemBuilder.Resource(name);
        Assert.DoesNotContain("\r", text);
        var dir = Tool.TempDir("rescue-sh");
        try
        {
            var f = Path.Combine(dir, name);
            File.WriteAllText(f, text);
            var r = Tool.Run(busybox!, "sh", "-n", f);
            Assert.True(r.ExitCode == 0, $"busybox sh -n {name}: {r.StdErr}");
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }
}
