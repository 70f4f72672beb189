using Mkcdrec.Core.Planning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Tests.Planning;

public sealed class PlannerStepsTests
{
    public static TheoryData<string> Layouts => ["gpt", "gpt-grow", "gpt-shrink", "mbr", "mbr-grow", "raid", "raid-grow", "raid-degraded", "btrfs", "btrfs-grow", "bcache", "bcache-shrink"];

    internal static (LayoutDocument Layout, RecoveryPlan Plan) Make(string name) => name switch
    {
        "gpt" => With(Gpt(), Target("vda", Gpt().Disks[0].SizeBytes)),
        "gpt-grow" => With(Gpt(), Target("vda", 5 * GiB)),
        "gpt-shrink" => With(Gpt(), Target("vda", 1536 * MiB)),
        "mbr" => With(Mbr(), Target("vda", Mbr().Disks[0].SizeBytes)),
        "mbr-grow" => With(Mbr(), Target("nvme0n1", 3 * GiB)),
        "raid" => With(RaidLuksLvmThin(), Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB")),
        "raid-grow" => With(RaidLuksLvmThin(), Target("vda", 30 * GiB, "SA"), Target("vdb", 30 * GiB, "SB")),
        "raid-degraded" => With(RaidLuksLvmThin(), Target("vda", 20 * GiB, "SA")),
        "btrfs" => With(BtrfsTwoDisks(), Target("vda", 10 * GiB), Target("vdb", 10 * GiB)),
        "btrfs-grow" => With(BtrfsTwoDisks(), Target("vda", 16 * GiB, "SC"), Target("vdb", 16 * GiB, "SD")),
        "bcache" => With(BcacheFixtures.Stack(), BcacheFixtures.Targets()),
        "bcache-shrink" => With(BcacheFixtures.Stack(), BcacheFixtures.Targets(0.5)),
        _ => throw new ArgumentException(name),
    };

    private static (LayoutDocument, RecoveryPlan) With(LayoutDocument l, params TargetDisk[] t) => (l, Planner.Plan(l, t, new PlanOptions()));

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_step_uses_only_what_earlier_steps_made(string name)
    {
        var (layout, plan) = Make(name);
        Assert.Empty(Planner.CheckOrder(plan));
        Assert.Equal(plan.Steps.Count, plan.Steps.Select(s => s.Id).Distinct().Count());

        // The dependency graph of the layout itself: everything a device is built on is made before it.
        var made = new Dictionary<string, int>();
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            foreach (var p in plan.Steps[i].Provides)
            {
                made.TryAdd(p, i);
            }
        }

        foreach (var f in layout.Filesystems.Where(f => made.ContainsKey(f.Id)))
        {
            foreach (var dev in f.DeviceIds)
            {
                Assert.True(made[dev] < made[f.Id], $"{f.Id} is made before its device {dev}");
            }
        }

        foreach (var b in layout.Bcache.Where(b => made.ContainsKey(b.Id)))
        {
            Assert.True(made[b.BackingDeviceId] < made[b.Id]);
            Assert.All(b.Cache?.DeviceIds.Where(made.ContainsKey) ?? [], c => Assert.True(made[c] < made[b.Id]));
        }

        foreach (var x in layout.Luks.Where(x => made.ContainsKey(x.Id)))
        {
            Assert.True(made[x.DeviceId] < made[x.Id]);
        }

        foreach (var lv in layout.Lvm.LogicalVolumes.Where(lv => made.ContainsKey(lv.Id)))
        {
            Assert.All(layout.Lvm.PhysicalVolumes.Where(pv => pv.VgName == lv.VgName), pv => Assert.True(made[pv.Id] < made[lv.Id]));
        }

        // Destructive steps only touch mapped target disks and what is built on them.
        var targets = plan.Mappings.Where(m => m.TargetPath is not null).Select(m => m.TargetPath!).ToList();
        Assert.All(plan.Steps.Where(s => s.Kind is StepKinds.Wipe or StepKinds.Partition).SelectMany(s => s.Devices),
            d => Assert.Contains(targets, t => d.StartsWith(t, StringComparison.Ordinal)));
        Assert.All(plan.Steps.Where(s => s.Phase == StepPhases.AfterRestore), s => Assert.True(plan.Steps.IndexOf(s) > plan.Steps.FindLastIndex(x => x.Phase == StepPhases.Layout)));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Partitioning_is_a_table_spec_and_never_a_partitioning_tool(string name)
    {
        var (_, plan) = Make(name);
        Assert.All(plan.Steps.Where(s => s.Kind == StepKinds.Partition), s => Assert.NotNull(s.PartitionTable));
        Assert.All(plan.Steps.SelectMany(s => s.Commands), c => Assert.DoesNotContain(c.Argv[0], new[] { "sfdisk", "parted", "sgdisk", "fdisk", "sh", "bash" }));
        Assert.All(plan.Steps.Where(s => s.Kind is StepKinds.Partition), s => PlannerSizingTests.AssertSane(s.PartitionTable!));
        var firstWipe = plan.Steps.FindIndex(s => s.Kind == StepKinds.Wipe);
        Assert.Equal(0, firstWipe);
        foreach (var m in plan.Mappings.Where(m => m.TargetPath is not null))
        {
            Assert.Contains(plan.Steps, s => s.Kind == StepKinds.Wipe && s.Commands[0].Argv.SequenceEqual(["wipefs", "--all", "--force", m.TargetPath!]));
        }
    }

    /// <summary>The step's first command (the one that makes the thing; a wipe of what it made may follow).</summary>
    private static List<string> Argv(RecoveryPlan plan, string id) => plan.Steps.Single(s => s.Id == id).Commands[0].Argv;

    [Fact]
    public void Ext4_is_made_with_its_uuid_label_and_exact_feature_set()
    {
        var (l, plan) = Make("gpt");
        var f = l.Filesystems.Single(x => x.Type == "ext4");
        var argv = Argv(plan, "mkfs:" + f.Id);
        Assert.Equal("mkfs.ext4", argv[0]);
        Assert.Equal(f.Uuid, argv[argv.IndexOf("-U") + 1]);
        Assert.Equal(f.Label, argv[argv.IndexOf("-L") + 1]);
        Assert.Equal(f.Ext!.BlockSize.ToString(), argv[argv.IndexOf("-b") + 1]);
        Assert.Equal(f.Ext.InodeSize.ToString(), argv[argv.IndexOf("-I") + 1]);
        Assert.Equal(f.Ext.InodeCount.ToString(), argv[argv.IndexOf("-N") + 1]);
        var features = argv[argv.IndexOf("-O") + 1].Split(',');
        Assert.Equal("none", features[0]);
        Assert.Equal(f.Ext.Features.Where(x => x != "needs_recovery").Order(), features.Skip(1).Order());
        Assert.Equal("hash_seed=" + f.Ext.HashSeed, argv[argv.IndexOf("-E") + 1]);
        Assert.Equal("/dev/vda2", argv[^1]);
    }

    [Fact]
    public void Ext_on_a_resized_partition_keeps_the_inode_ratio_instead_of_the_count()
    {
        var (l, plan) = Make("gpt-grow");
        var f = l.Filesystems.Single(x => x.Type == "ext4");
        var argv = Argv(plan, "mkfs:" + f.Id);
        Assert.DoesNotContain("-N", argv);
        Assert.Equal((f.Ext!.BlockCount * f.Ext.BlockSize / f.Ext.InodeCount).ToString(), argv[argv.IndexOf("-i") + 1]);
    }

    [Fact]
    public void Ext3_from_the_mbr_layout()
    {
        var (l, plan) = Make("mbr-grow");
        var f = l.Filesystems.Single(x => x.Type == "ext3");
        var argv = Argv(plan, "mkfs:" + f.Id);
        Assert.Equal("mkfs.ext3", argv[0]);
        Assert.Equal("logical5", argv[argv.IndexOf("-L") + 1]);
        Assert.Equal("/dev/nvme0n1p5", argv[^1]);
        Assert.DoesNotContain("-L", Argv(plan, "mkfs:" + l.Filesystems.Single(x => x.Id.StartsWith("fs:ext4:c536", StringComparison.Ordinal)).Id)); // no label, none invented
    }

    [Fact]
    public void Xfs_is_made_with_its_uuid_and_metadata_features()
    {
        var (l, plan) = Make("gpt");
        var f = l.Filesystems.Single(x => x.Type == "xfs");
        var argv = Argv(plan, "mkfs:" + f.Id);
        Assert.Equal("mkfs.xfs", argv[0]);
        var m = argv[argv.IndexOf("-m") + 1].Split(',');
        Assert.Contains("uuid=" + f.Uuid, m);
        Assert.Contains("crc=" + (f.Xfs!.Crc ? 1 : 0), m);
        Assert.Contains("reflink=" + (f.Xfs.Reflink ? 1 : 0), m);
        Assert.Contains("finobt=" + (f.Xfs.Finobt ? 1 : 0), m);
        Assert.Contains("rmapbt=" + (f.Xfs.Rmapbt ? 1 : 0), m);
        Assert.Contains("bigtime=" + (f.Xfs.Bigtime ? 1 : 0), m);
        Assert.Equal(f.Label, argv[argv.IndexOf("-L") + 1]);
        Assert.Equal("size=" + f.Xfs.BlockSize, argv[argv.IndexOf("-b") + 1]);
        Assert.Equal("size=" + f.Xfs.InodeSize, argv[argv.IndexOf("-i") + 1]);
        Assert.Equal("agcount=" + f.Xfs.AgCount, argv[argv.IndexOf("-d") + 1]);
        Assert.Equal("/dev/vda3", argv[^1]);
    }

    [Fact]
    public void Btrfs_is_made_with_its_profiles_then_subvolumes_parents_first_and_read_only_after_the_restore()
    {
        var (l, plan) = Make("gpt");
        var f = l.Filesystems.Single(x => x.Type == "btrfs");
        var argv = Argv(plan, "mkfs:" + f.Id);
        Assert.Equal(["mkfs.btrfs", "-f", "-U", f.Uuid!, "-L", f.Label!, "-d", f.Btrfs!.DataProfile!, "-m", f.Btrfs.MetadataProfile!, "-n", "16384", "-s", "4096", "/dev/vda5"], argv);
        var sub = plan.Steps.Single(s => s.Id == "btrfs-subvolumes:" + f.Id).Commands.Select(c => c.Argv).ToList();
        var creates = sub.Where(a => a.Take(3).SequenceEqual(["btrfs", "subvolume", "create"])).Select(a => a[3]).ToList();
        Assert.Equal(f.Btrfs.Subvolumes.Count, creates.Count);
        Assert.True(creates.FindIndex(c => c.EndsWith("/@home", StringComparison.Ordinal)) < creates.FindIndex(c => c.EndsWith("/@home/nested", StringComparison.Ordinal)));
        Assert.Equal("umount", sub[^1][0]);
        var ro = plan.Steps.Single(s => s.Kind == StepKinds.BtrfsReadOnly);
        Assert.Equal(StepPhases.AfterRestore, ro.Phase);
        Assert.Contains(ro.Commands, c => c.Argv.Contains("ro") && c.Argv.Any(a => a.EndsWith("/@snap", StringComparison.Ordinal)));

        // Both mount the top level by its id: after set-default a plain mount gives the default subvolume (found by the
        // btrfs matrix case: the read-only step could not find @snapshot-ro under @).
        foreach (var commands in new[] { sub, ro.Commands.Select(c => c.Argv).ToList() })
        {
            Assert.Equal(["mount", "-t", "btrfs", "-o", "subvolid=5"], commands.First(a => a[0] == "mount").Take(5));
        }
    }

    [Fact]
    public void The_btrfs_top_level_is_mounted_as_such_when_the_default_subvolume_is_another()
    {
        var l = BtrfsTwoDisks();
        var f = l.Filesystems.Single();
        Assert.NotEqual(5, f.Btrfs!.DefaultSubvolumeId);
        l.Mounts.Add(new Mount { Target = "/mnt/pool", FilesystemId = f.Id, Type = "btrfs", Subvolume = "/" });
        var plan = Planner.Plan(l, [Target("vda", 10 * GiB), Target("vdb", 10 * GiB)], new PlanOptions());
        var argv = plan.Steps.Single(s => s.Id == "mount:/mnt/pool").Commands[^1].Argv;
        Assert.Equal(["mount", "-t", "btrfs", "-o", "subvol=/"], argv.Take(5));
    }

    [Fact]
    public void Multi_device_btrfs_lists_its_devices_in_devid_order_and_sets_the_default_subvolume()
    {
        var (l, plan) = Make("btrfs-grow");
        var f = l.Filesystems.Single();
        var argv = Argv(plan, "mkfs:" + f.Id);
        Assert.Equal(["/dev/vda1", "/dev/vdb1"], argv.TakeLast(2));
        Assert.Equal("raid1", argv[argv.IndexOf("-d") + 1]);
        var sub = plan.Steps.Single(s => s.Id == "btrfs-subvolumes:" + f.Id).Commands.Select(c => c.Argv).ToList();
        Assert.Contains(sub, a => a.SequenceEqual(["btrfs", "subvolume", "set-default", "/run/mkcdrec/btrfs/" + f.Uuid + "/@"]));
        Assert.True(sub.FindIndex(a => a.SequenceEqual(["mkdir", "-p", "/run/mkcdrec/btrfs/" + f.Uuid + "/@snaps"])) < sub.FindIndex(a => a.Contains("create") && a[^1].EndsWith("@snaps/base", StringComparison.Ordinal)));
        var mounts = plan.Steps.Where(s => s.Kind == StepKinds.Mount).ToList();
        Assert.Equal(["mount:/", "mount:/home"], mounts.Select(m => m.Id));
        Assert.Contains(mounts[0].Commands, c => c.Argv.SequenceEqual(["mount", "-t", "btrfs", "-o", "subvol=/@", "/dev/vda1", "/mnt/local"]));
        Assert.Contains(mounts[1].Commands, c => c.Argv.SequenceEqual(["mount", "-t", "btrfs", "-o", "subvol=/@home", "/dev/vda1", "/mnt/local/home"]));
    }

    [Fact]
    public void A_header_the_backup_kept_is_restored_instead_of_formatting_anew()
    {
        var l = RaidLuksLvmThin();
        var luks = l.Luks[0];
        var plan = Planner.Plan(l, [Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB")],
            new PlanOptions { LuksHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { luks.Uuid.ToUpperInvariant() } });

        Assert.Empty(Planner.CheckOrder(plan));
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKinds.LuksFormat);
        var header = PlanPlaceholders.HeaderFile(luks.Id);
        Assert.Equal(["cryptsetup", "luksHeaderRestore", "--batch-mode", "/dev/md/pv", "--header-backup-file", header], Argv(plan, "luks-header-restore:" + luks.Id));
        var restore = plan.Steps.Single(s => s.Kind == StepKinds.LuksHeaderRestore);
        Assert.True(restore.Destructive);
        Assert.True(plan.Steps.IndexOf(restore) < plan.Steps.FindIndex(s => s.Kind == StepKinds.LuksOpen));
        Assert.Equal(["cryptsetup", "open", "/dev/md/pv", "cryptpv", "--key-file", PlanPlaceholders.KeyFile(luks.Id)], Argv(plan, "luks-open:" + luks.Id));
        Assert.Contains(plan.Placeholders, p => p.Token == header && p.LuksUuid == luks.Uuid);
    }

    [Fact]
    public void Swap_vfat_md_luks_and_lvm_arguments()
    {
        var (l, plan) = Make("raid");
        Assert.Equal(["mkswap", "-U", "66666666-7777-8888-9999-000000000000", "/dev/vg0/swap"], Argv(plan, "mkswap:fs:swap:66666666-7777-8888-9999-000000000000"));
        Assert.Equal(["mkfs.vfat", "-F", "32", "-i", "1A2B3C4D", "-n", "EFI", "/dev/vda1"], Argv(plan, "mkfs:fs:vfat:1A2B-3C4D"));

        var md = Argv(plan, "md-create:md:aaaa:bbbb:cccc:dddd");
        Assert.Equal(["mdadm", "--create", "/dev/md/pv", "--run", "--name=web1:pv", "--uuid=aaaa:bbbb:cccc:dddd", "--level=raid1", "--metadata=1.2", "--raid-devices=2", "--bitmap=internal", "/dev/vda2", "/dev/vdb2"], md);

        var luks = l.Luks[0];
        var key = PlanPlaceholders.KeyFile(luks.Id);
        var fmt = Argv(plan, "luks-format:" + luks.Id);
        Assert.Equal(["cryptsetup", "luksFormat", "--batch-mode", "--type", "luks2", "--uuid", luks.Uuid, "--label", "cryptpv", "--cipher", "aes-xts-plain64",
            "--key-size", "512", "--hash", "sha256", "--pbkdf", "argon2id", "--sector-size", "512", "--key-file", key, "/dev/md/pv"], fmt);
        Assert.Equal(["cryptsetup", "open", "/dev/md/pv", "cryptpv", "--key-file", key], Argv(plan, "luks-open:" + luks.Id));
        Assert.Contains(plan.Placeholders, p => p.Token == key);

        // What the new array and the opened container show of the old ones (a PV pvcreate refuses) is cleared first.
        Assert.Equal(["wipefs", "--all", "--force", "/dev/md/pv"], plan.Steps.Single(s => s.Id == "md-create:md:aaaa:bbbb:cccc:dddd").Commands[1].Argv);
        var open = plan.Steps.Single(s => s.Id == "luks-open:" + luks.Id);
        Assert.Equal(["wipefs", "--all", "--force", "/dev/mapper/cryptpv"], open.Commands[1].Argv);
        Assert.True(open.Destructive);

        Assert.Equal(["pvcreate", "--yes", "--uuid", "PVUUID-1", "--norestorefile", "/dev/mapper/cryptpv"], Argv(plan, "pv-create:pv:PVUUID-1"));
        Assert.Equal(["vgcreate", "--physicalextentsize", "4194304b", "vg0", "/dev/mapper/cryptpv"], Argv(plan, "vg-create:vg:vg0"));
        Assert.Equal(["lvcreate", "--yes", "--name", "pool", "--type", "thin-pool", "--size", (6 * GiB) + "b", "--chunksize", "64k", "--poolmetadatasize", (64 * MiB) + "b", "vg0"],
            Argv(plan, "lv-create:lv:vg0/pool"));
        Assert.Equal(["lvcreate", "--yes", "--name", "data", "--type", "thin", "--virtualsize", (20 * GiB) + "b", "--thinpool", "pool", "vg0"], Argv(plan, "lv-create:lv:vg0/data"));
        Assert.DoesNotContain(plan.Steps, s => s.Id.Contains("pool_tdata", StringComparison.Ordinal));

        var mounts = plan.Steps.Where(s => s.Kind == StepKinds.Mount).Select(s => s.Id).ToList();
        Assert.Equal(["mount:/", "mount:/srv", "mount:/boot/efi"], mounts);
    }

    [Fact]
    public void Vg_and_lv_uuids_are_put_back_with_vgcfgrestore_before_anything_uses_the_volumes()
    {
        var l = RaidLuksLvmThin();
        foreach (var lv in l.Lvm.LogicalVolumes)
        {
            lv.Uuid = "LV-" + lv.Name.ToUpperInvariant() + "-UUID";
        }

        var plan = Planner.Plan(l, [Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB")], new PlanOptions());
        Assert.Empty(Planner.CheckOrder(plan));
        var step = plan.Steps.Single(s => s.Kind == StepKinds.LvmIds);
        Assert.Equal("lvm-ids:vg:vg0", step.Id);
        var i = plan.Steps.IndexOf(step);
        Assert.True(plan.Steps.FindLastIndex(s => s.Kind == StepKinds.LvCreate) < i);
        foreach (var user in plan.Steps.Where(s => s.Requires.Any(r => r.StartsWith("lv:vg0/", StringComparison.Ordinal)) && s.Kind is not (StepKinds.LvCreate or StepKinds.LvmIds)))
        {
            Assert.Contains("lvm-ids:vg0", user.Requires);
            Assert.True(plan.Steps.IndexOf(user) > i, user.Id);
        }

        var argv = step.Commands.Select(c => c.Argv).ToList();
        Assert.Equal(["vgchange", "--activate", "n", "vg0"], argv[1]);
        Assert.Equal(["vgcfgbackup", "--file", "/run/mkcdrec/lvm-vg0.vg", "vg0"], argv[2]);
        Assert.Equal(["vgcfgrestore", "--force", "--file", "/run/mkcdrec/lvm-vg0.vg", "vg0"], argv[^3]);
        Assert.Equal(["vgchange", "--activate", "y", "vg0"], argv[^2]);

        // The real sed, on metadata in the format vgcfgbackup writes: exactly the VG's and the LVs' ids change.
        var sed = argv.Single(a => a[0] == "sed");
        var file = Path.Combine(Path.GetTempPath(), $"mkcdrec-vg-{Guid.NewGuid():N}.vg");
        var before = "contents = \"Text Format Volume Group\"\nversion = 1\n\nvg0 {\n\tid = \"NEWVG0-0000\"\n\tseqno = 9\n\tphysical_volumes {\n\n\t\tpv0 {\n\t\t\tid = \"PVUUID-1\"\n\t\t\tdevice = \"/dev/mapper/cryptpv\"\n\t\t}\n\t}\n\n\tlogical_volumes {\n\n" +
            string.Concat(new[] { "root", "swap", "pool", "data", "pool_tdata", "lvol0_pmspare" }.Select(n =>
                $"\t\t{n} {{\n\t\t\tid = \"NEW-{n}\"\n\t\t\tstatus = [\"READ\", \"WRITE\", \"VISIBLE\"]\n\t\t\tsegment_count = 1\n\n\t\t\tsegment1 {{\n\t\t\t\tstart_extent = 0\n\t\t\t\ttype = \"striped\"\n\t\t\t}}\n\t\t}}\n\n")) +
            "\t}\n}\n";
        File.WriteAllText(file, before);
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo(sed[0]);
            foreach (var a in sed.Skip(1).SkipLast(1).Append(file))
            {
                psi.ArgumentList.Add(a);
            }

            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                p.WaitForExit();
                Assert.Equal(0, p.ExitCode);
            }

            var after = File.ReadAllText(file);
            var expected = before.Replace("NEWVG0-0000", "VGUUID", StringComparison.Ordinal).Replace("NEW-root", "LV-ROOT-UUID", StringComparison.Ordinal)
                .Replace("NEW-swap", "LV-SWAP-UUID", StringComparison.Ordinal).Replace("NEW-pool_tdata", "LV-POOL_TDATA-UUID", StringComparison.Ordinal)
                .Replace("\"NEW-pool\"", "\"LV-POOL-UUID\"", StringComparison.Ordinal).Replace("NEW-data", "LV-DATA-UUID", StringComparison.Ordinal);
            Assert.Equal(expected, after);
            Assert.Contains("NEW-lvol0_pmspare", after, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        // Every visible LV's and the VG's UUID is checked with grep before the restore.
        Assert.Equal(["VGUUID", "LV-ROOT-UUID", "LV-SWAP-UUID", "LV-POOL-UUID", "LV-DATA-UUID"], argv.Where(a => a[0] == "grep").Select(a => a[3].Split('"')[1]));
    }

    [Fact]
    public void A_thin_volume_keeps_its_exact_xfs_geometry_when_the_disks_grow_but_root_does_not()
    {
        var (l, plan) = Make("raid-grow");
        var xfs = Argv(plan, "mkfs:fs:xfs:abcdabcd-0000-4000-8000-00000000000a");
        Assert.Contains("agcount=4", xfs);
        Assert.Contains("size=" + (10240 * 4096), xfs);
        var ext = Argv(plan, "mkfs:" + l.Filesystems.Single(f => f.Type == "ext4").Id);
        Assert.DoesNotContain("-N", ext);
        Assert.Contains("-i", ext);
    }

    [Fact]
    public void Mounts_go_under_the_target_root_asked_for()
    {
        var l = RaidLuksLvmThin();
        var plan = Planner.Plan(l, [Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB")], new PlanOptions { TargetRoot = "/target/" });
        Assert.Equal(["mount", "-t", "xfs", "/dev/vg0/data", "/target/srv"], plan.Steps.Single(s => s.Id == "mount:/srv").Commands[^1].Argv);
        Assert.Contains("mount:/", plan.Steps.Single(s => s.Id == "mount:/boot/efi").Requires);
    }

    [Fact]
    public void An_esp_is_mounted_with_the_options_that_make_its_owners_and_modes()
    {
        var l = RaidLuksLvmThin();
        l.Mounts.Single(m => m.Target == "/boot/efi").Options = "rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,utf8,errors=remount-ro";
        var plan = Planner.Plan(l, [Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB")], new PlanOptions { TargetRoot = "/target" });
        var argv = plan.Steps.Single(s => s.Id == "mount:/boot/efi").Commands[^1].Argv;
        Assert.Equal(["mount", "-t", "vfat", "-o", "fmask=0077,dmask=0077"], argv.Take(5));
        Assert.Equal("/target/boot/efi", argv[^1]);
        Assert.Equal("", Mkcdrec.Core.Storage.Mounts.MountOptions.VfatMetadataOptions("rw,relatime,codepage=437"));
        Assert.Equal("uid=1000,gid=100,umask=0022,showexec", Mkcdrec.Core.Storage.Mounts.MountOptions.VfatMetadataOptions("rw, uid=1000,gid=100,umask=0022,showexec,ro"));
    }

    [Fact]
    public void Partition_paths_follow_the_kernel_naming_of_the_target()
    {
        var (_, plan) = Make("mbr-grow");
        var t = plan.Steps.Single(s => s.Kind == StepKinds.Partition).PartitionTable!;
        Assert.Equal("/dev/nvme0n1p5", t.Partitions.Single(p => p.Number == 5).Path);
    }

    [Fact]
    public void The_order_does_not_depend_on_the_order_of_the_layout_lists()
    {
        var rng = new Random(7);
        List<T> Shuffle<T>(List<T> l) => [.. l.OrderBy(_ => rng.Next())];
        var reference = Make("raid").Plan.Steps.Select(s => s.Id).Order().ToList();
        for (var i = 0; i < 30; i++)
        {
            var l = RaidLuksLvmThin();
            l.Lvm.LogicalVolumes = Shuffle(l.Lvm.LogicalVolumes);
            l.Filesystems = Shuffle(l.Filesystems);
            l.Mounts = Shuffle(l.Mounts);
            l.Disks.Reverse();
            var plan = Planner.Plan(l, [Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB")], new PlanOptions());
            Assert.Empty(Planner.CheckOrder(plan));
            Assert.Equal(reference, plan.Steps.Select(s => s.Id).Order());
            Assert.True(plan.Steps.FindIndex(s => s.Id == "lv-create:lv:vg0/pool") < plan.Steps.FindIndex(s => s.Id == "lv-create:lv:vg0/data"));
            Assert.Equal("mount:/", plan.Steps.First(s => s.Kind == StepKinds.Mount).Id);
        }
    }

    [Fact]
    public void Random_target_sizes_either_plan_soundly_or_refuse_with_numbers()
    {
        var rng = new Random(20261126);
        foreach (var make in new Func<LayoutDocument>[] { Gpt, Mbr, RaidLuksLvmThin })
        {
            for (var i = 0; i < 40; i++)
            {
                var l = make();
                var targets = l.Disks.Select((d, j) => Target("vd" + (char)('a' + j), (long)(d.SizeBytes * (0.2 + rng.NextDouble() * 4)) / 4096 * 4096, d.Serial)).ToArray();
                var maps = l.Disks.Select((d, j) => $"{d.Path}={targets[j].Path}").ToArray();
                RecoveryPlan plan;
                try
                {
                    plan = Planner.Plan(l, targets, new PlanOptions { Maps = maps });
                }
                catch (MkcdrecException e)
                {
                    Assert.Equal(ExitCode.Refused, e.Code);
                    Assert.Matches(@"needs [\d.]+ [KMGT]iB", e.Message);
                    continue;
                }

                Assert.Empty(Planner.CheckOrder(plan));
                foreach (var s in plan.Steps.Where(s => s.PartitionTable is not null))
                {
                    PlannerSizingTests.AssertSane(s.PartitionTable!);
                    foreach (var p in s.PartitionTable!.Partitions.Where(p => p.Kind != PartitionKinds.Extended))
                    {
                        var src = l.Disks.SelectMany(d => d.Partitions).Single(x => x.Id == p.SourceId);
                        var f = l.Filesystems.FirstOrDefault(x => x.Id == src.UsedBy);
                        if (f?.UsedBytes is { } used && f.Type != "swap")
                        {
                            Assert.True(p.SizeSectors * 512 >= Math.Min(used + 256 * MiB, f.SizeBytes), $"{p.Path} too small for its data");
                        }
                    }
                }
            }
        }
    }
}
