using Mkcdrec.Core.Boot.Efi;
using Mkcdrec.Core.Boot.Grub;
using Mkcdrec.Core.Network;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Tests.Recovery;

public sealed class SystemFinalizerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mkcdrec-finalize-").FullName;
    private readonly List<string> _said = [];

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private SystemFinalizer Finalizer() => new(new NoProcesses(), new NoFiles(), new Mkcdrec.Platform.Linux.FileSystemAccess(), NullLog.Instance, _said.Add);

    /// <summary>sda: p1 bios boot, p2 ext4 /, p3 ext4 /home, p4 swap; recreated on vdb.</summary>
    private static (LayoutDocument, RecoveryPlan) Sample(string targetDisk = "/dev/vdb")
    {
        var disk = new Disk { Id = "disk:S1", Path = "/dev/sda", KernelName = "sda" };
        foreach (var (n, id) in new[] { (1, "p1"), (2, "p2"), (3, "p3"), (4, "p4") })
        {
            disk.Partitions.Add(new Partition { Id = "disk:S1/" + id, Number = n, Path = "/dev/sda" + n });
        }

        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "ref", OsId = "debian" }, Disks = [disk] };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:R", Type = "ext4", Uuid = "1111-root", DeviceIds = ["disk:S1/p2"] });
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:H", Type = "ext4", Uuid = "2222-home", DeviceIds = ["disk:S1/p3"] });
        doc.Filesystems.Add(new Filesystem { Id = "fs:swap:W", Type = "swap", Uuid = "3333-swap", DeviceIds = ["disk:S1/p4"] });
        doc.Mounts.Add(new Mount { Target = "/", FilesystemId = "fs:ext4:R" });
        doc.Mounts.Add(new Mount { Target = "/home", FilesystemId = "fs:ext4:H" });
        doc.Boot = new BootInfo { Firmware = FirmwareKinds.Bios, Bootloader = "grub2", BiosBootDiskIds = ["disk:S1"] };
        var plan = new RecoveryPlan { TargetRoot = "/mnt/local" };
        plan.Mappings.Add(new DiskMapping { SourceId = "disk:S1", SourcePath = "/dev/sda", TargetPath = targetDisk });
        plan.Steps.Add(new PlanStep
        {
            Kind = StepKinds.Partition,
            PartitionTable = new PartitionTableSpec { Partitions = [.. disk.Partitions.Select(p => new PartitionSpec { Number = p.Number, SourceId = p.Id, Path = targetDisk + p.Number })] },
        });
        plan.Steps.Add(new PlanStep { Kind = StepKinds.Mkfs, Provides = ["fs:ext4:R"], Devices = [targetDisk + "2"] });
        plan.Steps.Add(new PlanStep { Kind = StepKinds.Mkfs, Provides = ["fs:ext4:H"], Devices = [targetDisk + "3"] });
        plan.Steps.Add(new PlanStep { Kind = StepKinds.Mount, Provides = ["mount:/"] });
        plan.Steps.Add(new PlanStep { Kind = StepKinds.Mount, Provides = ["mount:/home"] });
        return (doc, plan);
    }

    private void Write(string rel, string text)
    {
        var p = _root + rel;
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
    }

    private string Read(string rel) => File.ReadAllText(_root + rel);

    [Fact]
    public void Same_uuids_and_uuid_based_config_change_nothing()
    {
        var (doc, plan) = Sample();
        const string fstab = "UUID=1111-root / ext4 errors=remount-ro 0 1\nUUID=2222-home /home ext4 defaults 0 2\n";
        Write("/etc/fstab", fstab);
        var written = Finalizer().RewriteConfig(doc, _root, [], SystemFinalizer.RenamedDevices(doc, plan));
        Assert.Empty(written);
        Assert.Equal(fstab, Read("/etc/fstab"));
        Assert.False(File.Exists(_root + "/etc/fstab.mkcdrec-orig"));
    }

    [Fact]
    public void Renamed_devices_in_fstab_and_grub_become_uuids_and_nothing_else_moves()
    {
        var (doc, plan) = Sample();
        Write("/etc/fstab", "# /dev/sda2 was root\n/dev/sda2\t/\text4\terrors=remount-ro 0 1\n/dev/sda3 /home ext4 defaults 0 2\ntmpfs /tmp tmpfs defaults 0 0\n");
        Write("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"root=/dev/sda2 resume=/dev/sda4 console=ttyS0\"\n");
        var renamed = SystemFinalizer.RenamedDevices(doc, plan);
        Assert.Equal("/dev/vdb2", renamed["/dev/sda2"].NewPath);
        var written = Finalizer().RewriteConfig(doc, _root, [], renamed);
        Assert.Equal(["/etc/fstab", "/etc/default/grub"], written);
        Assert.Equal("# /dev/sda2 was root\nUUID=1111-root\t/\text4\terrors=remount-ro 0 1\nUUID=2222-home /home ext4 defaults 0 2\ntmpfs /tmp tmpfs defaults 0 0\n", Read("/etc/fstab"));
        Assert.Equal("GRUB_CMDLINE_LINUX=\"root=UUID=1111-root resume=UUID=3333-swap console=ttyS0\"\n", Read("/etc/default/grub"));
        Assert.True(File.Exists(_root + "/etc/fstab.mkcdrec-orig"));
    }

    [Fact]
    public void Renamed_members_in_mdadm_conf_follow_so_the_array_assembles_on_the_new_disk()
    {
        var (doc, plan) = Sample();
        Write("/etc/mdadm/mdadm.conf", "DEVICE /dev/sda3 /dev/sda4\nARRAY /dev/md0 UUID=a:b:c:d devices=/dev/sda3,/dev/sda4\n");
        var written = Finalizer().RewriteConfig(doc, _root, [], SystemFinalizer.RenamedDevices(doc, plan));
        Assert.Equal(["/etc/mdadm/mdadm.conf"], written);
        Assert.Equal("DEVICE /dev/vdb3 /dev/vdb4\nARRAY /dev/md0 UUID=a:b:c:d devices=/dev/vdb3,/dev/vdb4\n", Read("/etc/mdadm/mdadm.conf"));
    }

    [Fact]
    public void An_original_from_a_d_directory_is_kept_outside_it_so_it_is_never_read_as_configuration()
    {
        var (doc, plan) = Sample("/dev/sda");
        Write("/etc/initramfs-tools/conf.d/resume", "RESUME=UUID=3333-swap\n");
        var ids = new List<IdChange> { new("swap", "fs:swap:W", "3333-swap", "9999-swap", true) };
        Assert.Equal(["/etc/initramfs-tools/conf.d/resume"], Finalizer().RewriteConfig(doc, _root, ids, []));
        Assert.Equal(["resume"], Directory.GetFiles(_root + "/etc/initramfs-tools/conf.d").Select(Path.GetFileName));
        Assert.Equal("RESUME=UUID=3333-swap\n", Read("/var/lib/mkcdrec/original/etc/initramfs-tools/conf.d/resume"));
        Assert.Equal("/etc/fstab.mkcdrec-orig", ConfigFileRewriter.OriginalOf("/etc/fstab"));
        Assert.Equal("/etc/default/grub.mkcdrec-orig", ConfigFileRewriter.OriginalOf("/etc/default/grub"));
    }

    [Fact]
    public void Changed_uuids_are_replaced_wherever_they_appear()
    {
        var (doc, plan) = Sample("/dev/sda");
        Write("/etc/fstab", "UUID=1111-root / ext4 defaults 0 1\n");
        Write("/etc/initramfs-tools/conf.d/resume", "RESUME=UUID=3333-swap\n");
        var ids = new List<IdChange> { new("swap", "fs:swap:W", "3333-swap", "9999-swap", true) };
        Assert.Empty(SystemFinalizer.RenamedDevices(doc, plan));
        var written = Finalizer().RewriteConfig(doc, _root, ids, []);
        Assert.Equal(["/etc/initramfs-tools/conf.d/resume"], written);
        Assert.Equal("RESUME=UUID=9999-swap\n", Read("/etc/initramfs-tools/conf.d/resume"));
    }

    [Fact]
    public void Grub_for_bios_goes_on_every_disk_that_had_it_and_every_raid1_member()
    {
        var (doc, plan) = Sample();
        Assert.Equal(["/dev/vdb"], GrubTechnology.BiosTargets(doc, plan));

        var d2 = new Disk { Id = "disk:S2", Path = "/dev/sdb", Partitions = [new Partition { Id = "disk:S2/p2", Number = 2, Path = "/dev/sdb2" }] };
        doc.Disks.Add(d2);
        doc.MdArrays.Add(new MdArray { Id = "md:X", Members = [new MdMember { DeviceId = "disk:S1/p2" }, new MdMember { DeviceId = "disk:S2/p2" }] });
        doc.Filesystems[0].DeviceIds = ["md:X"];
        doc.Boot.BiosBootDiskIds = ["disk:S1"];
        plan.Mappings.Add(new DiskMapping { SourceId = "disk:S2", SourcePath = "/dev/sdb", TargetPath = "/dev/vdc" });
        Assert.Equal(["/dev/vdb", "/dev/vdc"], GrubTechnology.BiosTargets(doc, plan));
    }

    [Fact]
    public void Grub_for_bios_also_goes_on_a_disk_that_got_a_copy_of_a_boot_disk_and_the_copy_renames_nothing()
    {
        var (doc, plan) = Sample();
        plan.Mappings.Add(new DiskMapping { SourceId = "disk:S1~copy1", SourcePath = "copy 1 of /dev/sda", TargetPath = "/dev/vdc", CopyOf = "disk:S1", Reason = MappingReasons.Copy });
        Assert.Equal(["/dev/vdb", "/dev/vdc"], GrubTechnology.BiosTargets(doc, plan));
        Assert.DoesNotContain("copy 1 of /dev/sda", SystemFinalizer.RenamedDevices(doc, plan).Keys);
        Assert.Equal("/dev/vdb", SystemFinalizer.RenamedDevices(doc, plan)["/dev/sda"].NewPath);
    }

    [Fact]
    public void Efi_bootloader_id_comes_from_the_boot_order_not_the_removable_path()
    {
        var doc = new LayoutDocument { Host = new HostInfo { OsId = "debian" } };
        Assert.Equal("debian", EfiTechnology.EfiBootloaderId(doc));
        doc.Boot.EfiBootEntries.Add(new EfiBootEntry { Number = "0001", Label = "UEFI disk", Loader = "\\EFI\\BOOT\\BOOTX64.EFI" });
        doc.Boot.EfiBootEntries.Add(new EfiBootEntry { Number = "0004", Label = "mylinux", Loader = "\\EFI\\mylinux\\shimx64.efi" });
        doc.Boot.EfiBootOrder = ["0001", "0004"];
        Assert.Equal("mylinux", EfiTechnology.EfiBootloaderId(doc));
    }

    [Fact]
    public void Net_specs_parse_and_bad_ones_are_refused()
    {
        Assert.True(NetworkTechnology.ParseNet("dhcp").Dhcp);
        var s = NetworkTechnology.ParseNet("static:192.0.2.10/24,gw=192.0.2.1,dns=192.0.2.53;192.0.2.54");
        Assert.Equal("192.0.2.10/24", s.Address);
        Assert.Equal("192.0.2.1", s.Gateway);
        Assert.Equal(["192.0.2.53", "192.0.2.54"], s.Dns);
        var e = Assert.Throws<MkcdrecException>(() => NetworkTechnology.ParseNet("static:10.0.0.1"));
        Assert.Equal(ExitCode.Usage, e.Code);
    }

    [Fact]
    public void Clone_sets_hostname_machine_id_and_network()
    {
        var (doc, _) = Sample();
        doc.Network.Interfaces.Add(new NetworkInterface { Name = "ens3", Mac = "52:54:00:00:00:01", Dhcp = true });
        Write("/etc/hostname", "ref\n");
        Write("/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tref.example.org ref\n");
        Write("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
        Write("/etc/network/interfaces", "source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\nallow-hotplug ens3\niface ens3 inet dhcp\n");
        Write("/etc/ssh/ssh_host_ed25519_key", "secret");
        var finalizer = Finalizer();
        var changes = finalizer.ApplyClone(doc, _root, new CloneSettings
        {
            Hostname = "clone1", NewMachineId = true, NewSshHostKeys = true, Network = "static:192.0.2.10/24,gw=192.0.2.1",
        });
        Assert.Equal("clone1\n", Read("/etc/hostname"));
        Assert.Contains("127.0.1.1\tref.example.org clone1", Read("/etc/hosts"), StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{32}\n$", Read("/etc/machine-id"));
        Assert.NotEqual("0123456789abcdef0123456789abcdef\n", Read("/etc/machine-id"));
        Assert.False(File.Exists(_root + "/etc/ssh/ssh_host_ed25519_key"));
        var ifs = Read("/etc/network/interfaces");
        Assert.Contains("iface ens3 inet static\n    address 192.0.2.10/24\n    gateway 192.0.2.1\n", ifs, StringComparison.Ordinal);
        Assert.Contains("source /etc/network/interfaces.d/*", ifs, StringComparison.Ordinal);
        Assert.True(File.Exists(_root + "/etc/network/interfaces.mkcdrec-orig"));
        Assert.Equal(4, changes.Count);
        // What a drill's comparison after the first boot counts as the recovery's own writes, the removed host key too.
        Assert.Subset(new SortedSet<string>(StringComparer.Ordinal) { "/etc/hostname", "/etc/hosts", "/etc/machine-id", "/etc/ssh/ssh_host_ed25519_key", "/etc/network/interfaces" },
            new SortedSet<string>(finalizer.Written, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_archive_goes_to_its_mount_point_and_an_unplanned_one_is_refused()
    {
        var (doc, plan) = Sample();
        var m = new BackupManifest { Archives = [new ArchiveRecord { FilesystemId = "fs:ext4:R" }, new ArchiveRecord { FilesystemId = "fs:ext4:H" }] };
        var t = RecoverWorkflow.RestoreTargets(doc, plan, m);
        Assert.Equal(["/mnt/local", "/mnt/local/home"], t.Select(x => x.Target.Directory));
        plan.Steps.RemoveAll(s => s.Kind == StepKinds.Mkfs && s.Provides.Contains("fs:ext4:H"));
        var e = Assert.Throws<MkcdrecException>(() => RecoverWorkflow.RestoreTargets(doc, plan, m));
        Assert.Equal(ExitCode.Refused, e.Code);
    }

    [Fact]
    public void Probe_reads_each_made_device_back_and_reports_only_what_differs()
    {
        var (doc, plan) = Sample();
        doc.Filesystems.First(f => f.Id == "fs:ext4:H").Uuid = "22222222-0000-4000-8000-000000000002";
        doc.Luks.Add(new LuksDevice { Id = "luks:L", Uuid = "aaaaaaaa-0000-4000-8000-00000000000a", DeviceId = "disk:S1/p3" });
        doc.MdArrays.Add(new MdArray { Id = "md:M", Uuid = "0a0b0c0d:01020304:05060708:090a0b0c" });
        plan.Steps.Add(new PlanStep { Kind = StepKinds.LuksFormat, Provides = ["luks:L"], Devices = ["/dev/vdb5"] });
        plan.Steps.Add(new PlanStep
        {
            Kind = StepKinds.MdCreate, Provides = ["md:M"],
            Commands = [new PlanCommand { Argv = ["mdadm", "--create", "/dev/md/sys", "--run"] }],
        });
        var runner = new CannedProcesses(new()
        {
            ["blkid -p -o value -s UUID /dev/vdb2"] = "1111-root\n", // the same: not reported
            ["blkid -p -o value -s UUID /dev/vdb3"] = "22222222-0000-4000-8000-000000000002\n",
            ["cryptsetup luksUUID /dev/vdb5"] = "bbbbbbbb-0000-4000-8000-00000000000b\n",
            ["mdadm --detail --export /dev/md/sys"] = "MD_LEVEL=raid1\nMD_UUID=0A0B0C0D:01020304:05060708:090A0B0C\n", // case and colons
        });
        var finalizer = new SystemFinalizer(runner, new NoFiles(), new Mkcdrec.Platform.Linux.FileSystemAccess(), NullLog.Instance, _said.Add);

        var change = Assert.Single(finalizer.ProbeIds(doc, plan));

        Assert.Equal(new IdChange("luks", "luks:L", "aaaaaaaa-0000-4000-8000-00000000000a", "bbbbbbbb-0000-4000-8000-00000000000b", true), change);
        Assert.Equal(4, runner.Asked.Count);
    }

    [Fact]
    public void Partition_ids_made_anew_are_read_back_from_the_devices()
    {
        var (doc, plan) = Sample();
        doc.Disks[0].Partitions[1].PartUuid = "0a0a0a0a-0000-4000-8000-000000000002";
        doc.Disks[0].Partitions[2].PartUuid = "0a0a0a0a-0000-4000-8000-000000000003";
        var runner = new CannedProcesses(new()
        {
            ["blkid -p -o value -s PART_ENTRY_UUID /dev/vdb2"] = "0b0b0b0b-0000-4000-8000-000000000002\n",
            ["blkid -p -o value -s PART_ENTRY_UUID /dev/vdb3"] = "0A0A0A0A-0000-4000-8000-000000000003\n", // the same, another case
            ["blkid -p -o value -s UUID /dev/vdb2"] = "1111-root\n",
            ["blkid -p -o value -s UUID /dev/vdb3"] = "2222-home\n",
        });
        var finalizer = new SystemFinalizer(runner, new NoFiles(), new Mkcdrec.Platform.Linux.FileSystemAccess(), NullLog.Instance, _said.Add);

        var change = Assert.Single(finalizer.ProbeIds(doc, plan));

        Assert.Equal(new IdChange("partition", "disk:S1/p2", "0a0a0a0a-0000-4000-8000-000000000002", "0b0b0b0b-0000-4000-8000-000000000002", false), change);
    }

    [Fact]
    public void Changed_uuids_reach_systemd_units_and_boot_loader_entries_but_no_other_file()
    {
        var (doc, _) = Sample("/dev/sda");
        Write("/etc/systemd/system/srv.mount", "[Mount]\nWhat=/dev/disk/by-uuid/1111-root\nWhere=/srv\n");
        Write("/etc/systemd/system/extra.swap", "[Swap]\nWhat=/dev/disk/by-uuid/3333-swap\n");
        Write("/etc/systemd/system/other.service", "[Service]\nExecStart=/bin/echo 1111-root\n");
        Write("/boot/loader/entries/abc-6.1.conf", "title Linux\noptions root=UUID=1111-root ro resume=UUID=3333-swap\n");
        Write("/etc/kernel/cmdline", "root=PARTUUID=0a0a0a0a-0000-4000-8000-000000000002 ro\n");
        var ids = new List<IdChange>
        {
            new("filesystem", "fs:ext4:R", "1111-root", "aaaa-root", true), new("swap", "fs:swap:W", "3333-swap", "bbbb-swap", true),
            new("partition", "disk:S1/p2", "0a0a0a0a-0000-4000-8000-000000000002", "0b0b0b0b-0000-4000-8000-000000000002", false),
        };

        var written = Finalizer().RewriteConfig(doc, _root, ids, []);

        Assert.Equal(["/etc/systemd/system/extra.swap", "/etc/systemd/system/srv.mount", "/etc/kernel/cmdline", "/boot/loader/entries/abc-6.1.conf"], written);
        Assert.Equal("[Mount]\nWhat=/dev/disk/by-uuid/aaaa-root\nWhere=/srv\n", Read("/etc/systemd/system/srv.mount"));
        Assert.Equal("title Linux\noptions root=UUID=aaaa-root ro resume=UUID=bbbb-swap\n", Read("/boot/loader/entries/abc-6.1.conf"));
        Assert.Equal("root=PARTUUID=0b0b0b0b-0000-4000-8000-000000000002 ro\n", Read("/etc/kernel/cmdline"));
        Assert.Contains("1111-root", Read("/etc/systemd/system/other.service"), StringComparison.Ordinal); // not a unit that names a device
        Assert.True(File.Exists(_root + "/etc/systemd/system/srv.mount.mkcdrec-orig"));
    }

    private sealed class CannedProcesses(Dictionary<string, string> outputs) : IProcessRunner
    {
        public List<string> Asked { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            var line = string.Join(' ', [request.FileName, .. request.Arguments]);
            Asked.Add(line);
            return outputs.TryGetValue(line, out var o) ? new ProcessResult(0, o, "", TimeSpan.Zero) : throw new InvalidOperationException("unexpected: " + line);
        }

        public bool CanRun(string program) => true;
    }

    private sealed class NoProcesses : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) => throw new InvalidOperationException("no process expected: " + request.CommandLine);

        public bool CanRun(string program) => false;
    }

    private sealed class NoFiles : ISystemFiles
    {
        public bool FileExists(string path) => false;

        public bool DirectoryExists(string path) => false;

        public string? ReadText(string path) => null;

        public IReadOnlyList<string> ListDirectory(string path) => [];

        public string? ReadLink(string path) => null;

        public Stream OpenRead(string path) => throw new FileNotFoundException(path);
    }
}
