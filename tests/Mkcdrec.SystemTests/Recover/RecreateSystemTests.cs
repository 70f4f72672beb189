using Mkcdrec.TestVm;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.SystemTests.Capture.GuestSections;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// Issue 3's closing evidence: every layout fixture of the capture tests (GPT with BIOS boot, ESP, ext4, xfs, swap and btrfs
/// subvolumes; MBR with primary, extended and logical partitions and a boot flag; RAID1 + LUKS2 + LVM with a thin pool;
/// btrfs raid1 over two disks) is built with the real tools, captured, and recreated by `mkcdrec recover --layout-only --yes`
/// on blank disks of the same size, 1.5 times larger and smaller (the data still fits); then captured again and compared
/// with the original (UUIDs, labels, types, flags, names, md/LUKS/PV UUIDs, VG/LV names, filesystem parameters) and with
/// the plan (partition and LV sizes), and checked by the filesystems' own fsck.
/// </summary>
[Collection("recreate")]
public sealed class RecreateSystemTests(RecreateGuestFixture fixture)
{
    private readonly Mkcdrec.TestVm.TestVm _vm = fixture.Vm;

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(12);

    public const string KeyFile = "/tmp/luks.key";

    /// <summary>Build scripts: on $SCRATCH0 (and $SCRATCH1), mounted where the layout should record mounts; they end by
    /// saving the layout to /tmp/src-NAME.json.</summary>
    public static readonly Dictionary<string, (string Script, int Disks)> Fixtures = new(StringComparer.Ordinal)
    {
        ["gpt"] = ("""
            D=$SCRATCH0
            sgdisk -n1:1M:+1M -t1:ef02 -c1:bios -n2:0:+100M -t2:ef00 -c2:esp -n3:0:+500M -t3:8300 -c3:root -n4:0:+500M -t4:8300 -c4:srv -n5:0:+128M -t5:8200 -c5:swap -n6:0:0 -t6:8300 -c6:data -A3:set:2 $D >/dev/null
            partx -u $D 2>/dev/null || true; udevadm settle
            mkfs.vfat -F 32 -n EFI ${D}2 >/dev/null
            mkfs.ext4 -q -L root -b 4096 -I 256 -O ^metadata_csum ${D}3
            mkfs.xfs -q -L srv -i size=512 ${D}4
            mkswap -q -L swap0 ${D}5 >/dev/null
            mkfs.btrfs -q -f -L data ${D}6
            mkdir -p /mnt/g; mount ${D}6 /mnt/g; btrfs -q subvolume create /mnt/g/@data; btrfs -q subvolume create /mnt/g/@data/nested
            btrfs subvolume set-default "$(btrfs subvolume show /mnt/g/@data | awk '/Subvolume ID/ {print $3}')" /mnt/g; umount /mnt/g
            mkdir -p /mnt/src; mount ${D}3 /mnt/src; mkdir -p /mnt/src/boot/efi /mnt/src/srv /mnt/src/data
            mount ${D}2 /mnt/src/boot/efi; mount ${D}4 /mnt/src/srv; mount -o subvol=/@data ${D}6 /mnt/src/data
            head -c 8M /dev/urandom > /mnt/src/srv/blob; head -c 2M /dev/urandom > /mnt/src/data/nested/blob; echo hello > /mnt/src/etc-hello; sync
            mkcdrec layout save --disk $D -o /tmp/src-gpt.json >/dev/null
            """, 1),
        ["mbr"] = ("""
            D=$SCRATCH0
            printf 'label: dos\nlabel-id: 0x5eedf00d\n,150M,83,*\n,100M,82\n,,5\n,250M,83\n,250M,83\n,,83\n' | sfdisk -q $D
            partx -u $D 2>/dev/null || true; udevadm settle
            mkfs.ext4 -q -L boot ${D}1; mkswap -q -L mbrswap ${D}2 >/dev/null; mkfs.ext4 -q -t ext3 -L five ${D}5; mkfs.ext4 -q -L six ${D}6; mkfs.ext2 -q -L seven ${D}7
            mkdir -p /mnt/m; mount ${D}6 /mnt/m; mkdir -p /mnt/m/boot /mnt/m/five /mnt/m/seven
            mount ${D}1 /mnt/m/boot; mount ${D}5 /mnt/m/five; mount ${D}7 /mnt/m/seven
            head -c 4M /dev/urandom > /mnt/m/seven/blob; sync
            mkcdrec layout save --disk $D -o /tmp/src-mbr.json >/dev/null
            """, 1),
        ["raid-luks-lvm"] = ("""
            for D in $SCRATCH0 $SCRATCH1; do sgdisk -n1:1M:+100M -t1:fd00 -c1:mdboot -n2:0:0 -t2:fd00 -c2:mddata $D >/dev/null; done
            partx -u $SCRATCH0 2>/dev/null || true; partx -u $SCRATCH1 2>/dev/null || true; udevadm settle
            mdadm --create /dev/md/boot --name=boot --level=1 --raid-devices=2 --metadata=1.0 --run --assume-clean ${SCRATCH0}1 ${SCRATCH1}1 >/dev/null 2>&1
            mdadm --create /dev/md/data --name=data --level=1 --raid-devices=2 --metadata=1.2 --run --assume-clean ${SCRATCH0}2 ${SCRATCH1}2 >/dev/null 2>&1
            udevadm settle
            mkfs.ext4 -q -L mdboot /dev/md/boot
            cryptsetup luksFormat --batch-mode --type luks2 --label cryptdata --pbkdf argon2id --pbkdf-memory 32 --pbkdf-force-iterations 4 --pbkdf-parallel 1 --key-file /tmp/luks.key /dev/md/data
            cryptsetup open /dev/md/data cryptdata --key-file /tmp/luks.key
            pvcreate -q /dev/mapper/cryptdata
            vgcreate -q -s 8M vg0 /dev/mapper/cryptdata
            lvcreate -q -y -n root -L 256M vg0
            lvcreate -q -y -n swap -L 64M vg0
            lvcreate -q -y -n pool -L 300M --type thin-pool --chunksize 128K vg0
            lvcreate -q -y -n thin1 -V 1G --thinpool pool vg0
            mkfs.ext4 -q -L lvroot /dev/vg0/root; mkswap -q -L lvswap /dev/vg0/swap >/dev/null
            mkfs.xfs -q -L thinxfs /dev/vg0/thin1
            mkdir -p /mnt/r; mount /dev/vg0/root /mnt/r; mkdir -p /mnt/r/boot /mnt/r/thin; mount /dev/md/boot /mnt/r/boot; mount /dev/vg0/thin1 /mnt/r/thin
            head -c 8M /dev/urandom > /mnt/r/thin/blob; sync
            mkcdrec layout save --disk $SCRATCH0 --disk $SCRATCH1 -o /tmp/src-raid-luks-lvm.json >/dev/null
            """, 2),
        ["btrfs-raid1"] = ("""
            mkfs.btrfs -q -f -L pool -d raid1 -m raid1 $SCRATCH0 $SCRATCH1
            udevadm settle; btrfs device scan >/dev/null
            mkdir -p /mnt/b; mount $SCRATCH0 /mnt/b
            btrfs -q subvolume create /mnt/b/@; btrfs -q subvolume create /mnt/b/@home
            btrfs -q subvolume create /mnt/b/@home/user; btrfs -q subvolume create /mnt/b/@home/user/cache
            btrfs -q subvolume snapshot -r /mnt/b/@home /mnt/b/@home-snap
            btrfs subvolume set-default "$(btrfs subvolume show /mnt/b/@ | awk '/Subvolume ID/ {print $3}')" /mnt/b
            head -c 8M /dev/urandom > /mnt/b/@home/user/blob; sync
            mkdir -p /mnt/h; mount -o subvol=/@home $SCRATCH1 /mnt/h
            mkcdrec layout save --disk $SCRATCH0 --disk $SCRATCH1 -o /tmp/src-btrfs-raid1.json >/dev/null
            """, 2),
    };

    /// <summary>Target pairs: the source disks themselves (wiped), the 3 GiB pair, the 1.25 GiB pair.</summary>
    private static (string T0, string T1) Targets(string size) => size switch
    {
        "same" => ("$SCRATCH0", "$SCRATCH1"),
        "larger" => ("$SCRATCH2", "$SCRATCH3"),
        "smaller" => ("$SCRATCH4", "$SCRATCH5"),
        _ => throw new ArgumentOutOfRangeException(nameof(size)),
    };

    /// <summary>Builds the fixture (once per guest) and captures it; leaves every scratch disk blank.</summary>
    internal static TimeSpan EnsureCaptured(RecreateGuestFixture fixture, string name)
    {
        var total = Stopwatch.StartNew();
        EnsureSource(fixture, name, Fixtures[name].Script);
        fixture.WipeDisks();
        fixture.Vm.RunChecked("btrfs device scan --forget 2>/dev/null || true");
        return total.Elapsed;
    }

    /// <summary>Builds a source layout with <paramref name="script"/> on blank disks and captures it to /tmp/src-NAME.json,
    /// once per guest; the disks are left as the script leaves them (a later case wipes them when it needs them blank).</summary>
    internal static void EnsureSource(RecreateGuestFixture fixture, string name, string script)
    {
        var vm = fixture.Vm;
        if (fixture.Captured.Contains(name) && vm.Run($"test -s /tmp/src-{name}.json").Succeeded)
        {
            return;
        }

        fixture.WipeDisks();
        var sw = Stopwatch.StartNew();
        vm.RunChecked("set -e\nmodprobe btrfs 2>/dev/null || true\nprintf 'recreate-test-passphrase' > " + KeyFile + "\n" + script, Long);
        Timings.Report($"fixture {name}: built and captured in {sw.Elapsed.TotalSeconds:F1} s");
        fixture.Captured.Add(name);
    }

    public static TheoryData<string, string> Cases()
    {
        // MKCDREC_RECREATE_ONLY="gpt:smaller mbr" runs only those fixtures (and sizes) while working on one.
        var only = (Environment.GetEnvironmentVariable("MKCDREC_RECREATE_ONLY") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var d = new TheoryData<string, string>();
        foreach (var f in Fixtures.Keys)
        {
            foreach (var s in new[] { "same", "larger", "smaller" })
            {
                if (only.Length > 0 && !only.Contains(f) && !only.Contains(f + ":" + s))
                {
                    continue;
                }

                d.Add(f, s);
            }
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Recreates_the_layout_and_it_compares_equal(string name, string size)
    {
        var caseWatch = Stopwatch.StartNew();
        var prepared = EnsureCaptured(fixture, name);
        var (t0, t1) = Targets(size);
        var two = Fixtures[name].Disks == 2;
        var maps = $"--map $SCRATCH0={t0}" + (two ? $" --map $SCRATCH1={t1}" : "");
        var disks = $"--disk {t0}" + (two ? $" --disk {t1}" : "");
        var src = $"/tmp/src-{name}.json";
        var journal = $"/tmp/journal-{name}-{size}.json";

        var sw = Stopwatch.StartNew();
        var planned = _vm.RunChecked($"mkcdrec recover --layout {src} --plan --json {maps}", Long);
        var plan = PlanSerializer.Deserialize(planned.Stdout);
        var readable = _vm.RunChecked($"mkcdrec recover --layout {src} --plan {maps}", Long).Stdout;
        Assert.Contains("Steps:", readable, StringComparison.Ordinal);
        Assert.Contains("[destroys data]", readable, StringComparison.Ordinal);
        Assert.Equal(plan.Steps.Count, readable.Split('\n').Count(x => x.Length > 6 && x[..6].Trim() is { Length: > 1 } n && n[^1] == '.' && char.IsDigit(n[0])));
        var planTime = sw.Elapsed;

        // fsck every filesystem the plan makes, on the device it makes it on, once everything is unmounted.
        var fsck = new List<string>();
        foreach (var step in plan.Steps.Where(s => s.Kind is StepKinds.Mkfs))
        {
            var type = step.Id.Split(':')[2];
            var dev = step.Devices[0];
            fsck.Add(type switch
            {
                "ext2" or "ext3" or "ext4" => $"e2fsck -fn {dev} >/tmp/fsck.out 2>&1; echo \"fsck {dev} $?\"; tail -3 /tmp/fsck.out",
                "xfs" => $"xfs_repair -n {dev} >/tmp/fsck.out 2>&1; echo \"fsck {dev} $?\"; tail -3 /tmp/fsck.out",
                "btrfs" => $"btrfs check --readonly {dev} >/tmp/fsck.out 2>&1; echo \"fsck {dev} $?\"; tail -3 /tmp/fsck.out",
                "vfat" => $"fsck.vfat -n {dev} >/tmp/fsck.out 2>&1; echo \"fsck {dev} $?\"; tail -3 /tmp/fsck.out",
                _ => $"echo \"fsck {dev} unknown-type-{type}\"",
            });
        }

        sw.Restart();
        var log = $"/tmp/recover-{name}-{size}.log";
        var r = _vm.RunChecked("set -e\nrm -f /tmp/section-times " + log + "\n" +
            Timed("RECOVER", $"mkcdrec recover --layout {src} --layout-only --yes --key-file {KeyFile} {maps} --journal {journal} --log {log} 2>&1") +
            Section("MOUNTS", "findmnt -rn -o TARGET,SOURCE | grep '^/mnt/local' | sort || true") +
            Timed("LAYOUT", $"mkcdrec layout save {disks} -o /tmp/got.json >/dev/null; cat /tmp/got.json") +
            Section("SRC", $"cat {src}") +
            Timed("SUBVOLS", "mkdir -p /tmp/sv\n" + string.Join('\n', plan.Steps.Where(x => x.Kind == StepKinds.Mkfs && x.Id.StartsWith("mkfs:fs:btrfs:", StringComparison.Ordinal)).Select(x =>
                $"echo '# {x.Id[14..]}'; mount -t btrfs -o subvolid=5 {x.Devices[0]} /tmp/sv; btrfs subvolume list /tmp/sv; btrfs subvolume get-default /tmp/sv; umount /tmp/sv"))) +
            Timed("UMOUNT", "findmnt -rn -o TARGET | grep '^/mnt/local' | sort -r | xargs -r umount; findmnt -rn -o TARGET | grep -c '^/mnt/local' || true") +
            Timed("VERIFY", string.Join('\n', plan.Steps.Where(s => s.PartitionTable is not null).Select(s =>
                s.PartitionTable!.Kind == PartitionTableKinds.Gpt
                    ? $"sgdisk -v {s.PartitionTable.Device} | tee /tmp/verify.out; grep -q '^No problems found' /tmp/verify.out && echo \"verify {s.PartitionTable.Device} ok\""
                    : $"sfdisk --verify {s.PartitionTable.Device} && echo \"verify {s.PartitionTable.Device} ok\"")) + "\ntrue") +
            Timed("FSCK", "set +e\n" + string.Join('\n', fsck) + "\nset -e") +
            Section("STEPTIMES", $"grep -E 'done in|ran \\[' {log} || true") +
            Section("TIMES", "cat /tmp/section-times"), Long);
        var recoverTime = sw.Elapsed;
        if (Environment.GetEnvironmentVariable("MKCDREC_RECREATE_LOGS") is { Length: > 0 } logDir)
        {
            // Keep the recover log (every command with its timing) on the host, for diagnosis, and the captured source
            // layout (the fuzz corpus's stack layouts come from here: fuzz/corpus/make-corpus.sh).
            _vm.CopyOut(log, Path.Combine(logDir, Path.GetFileName(log)));
            _vm.CopyOut(src, Path.Combine(logDir, Path.GetFileName(src)));
        }

        var s = Split(r.Stdout);
        var source = LayoutSerializer.Deserialize(s["SRC"]);
        var got = LayoutSerializer.Deserialize(s["LAYOUT"]);

        // The case's figures first, so a failing case shows them too.
        Timings.Report($"recreate {name}/{size}: {Figures(source, got, plan, s)}; " +
            $"prepare {prepared.TotalSeconds:F1} s, plan {planTime.TotalSeconds:F1} s, guest script {recoverTime.TotalSeconds:F1} s, case {caseWatch.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("Done:", s["RECOVER"], StringComparison.Ordinal);
        AssertSameAsSourceAndPlan(source, got, plan, size);

        // Left mounted under the target root, as the source was (the capture above recorded them).
        foreach (var m in source.Mounts)
        {
            var fs = source.Filesystems.Single(f => f.Id == m.FilesystemId);
            Assert.Contains(got.Mounts, g => g.Target == "/mnt/local" + m.Target && got.Filesystems.Single(f => f.Id == g.FilesystemId).Uuid == fs.Uuid
                && (m.Subvolume ?? "/") == (g.Subvolume ?? "/"));
        }

        Assert.Equal("0", s["UMOUNT"].Trim());
        Assert.Equal(plan.Steps.Count(x => x.PartitionTable is not null), s["VERIFY"].Split('\n').Count(l => l.StartsWith("verify ", StringComparison.Ordinal) && l.EndsWith(" ok", StringComparison.Ordinal)));
        var fsckLines = s["FSCK"].Split('\n').Where(l => l.StartsWith("fsck ", StringComparison.Ordinal)).ToList();
        Assert.Equal(fsck.Count, fsckLines.Count);
        Assert.All(fsckLines, l => Assert.EndsWith(" 0", l, StringComparison.Ordinal));

        // btrfs: every subvolume path and the default subvolume are back (read-only flags come after the restore).
        foreach (var fs in source.Filesystems.Where(f => f.Btrfs is { Subvolumes.Count: > 0 }))
        {
            var listed = s["SUBVOLS"].Split("# ")[1..].Single(x => x.StartsWith(fs.Uuid!, StringComparison.Ordinal)).Split('\n');
            var paths = listed.Where(l => l.StartsWith("ID ", StringComparison.Ordinal) && l.Contains(" path ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(" path ", StringComparison.Ordinal) + 6)..]).ToList();
            var def = fs.Btrfs!.Subvolumes.SingleOrDefault(x => x.Id == fs.Btrfs.DefaultSubvolumeId);
            if (def is not null)
            {
                Assert.Equal(def.Path, paths[^1]); // get-default's line comes last
                paths.RemoveAt(paths.Count - 1);
            }

            Assert.Equal(fs.Btrfs.Subvolumes.Select(x => x.Path).Order(), paths.Order());
        }
    }

    /// <summary>A section of a guest script whose duration lands in /tmp/section-times (bash's clock: no fork).</summary>
    private static string Timed(string name, string command) =>
        Section(name, $"__t=$EPOCHREALTIME\n{command}\necho \"{name} $__t $EPOCHREALTIME\" >> /tmp/section-times");

    /// <summary>
    /// One short line of what was measured: per target disk, every partition's size in MiB as source:planned/found, every
    /// LV's as source:planned/found, the seconds of each timed section and the slowest plan steps and commands.
    /// Never throws: it is printed before the assertions.
    /// </summary>
    private static string Figures(LayoutDocument source, LayoutDocument got, RecoveryPlan plan, Dictionary<string, string> s)
    {
        var parts = new List<string>();
        static string MiB(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture);
        try
        {
            foreach (var map in plan.Mappings.Where(m => m.TargetPath is not null))
            {
                var a = source.Disks.FirstOrDefault(d => d.Id == map.SourceId);
                var b = got.Disks.FirstOrDefault(d => d.Path == map.TargetPath);
                var spec = plan.Steps.FirstOrDefault(x => x.PartitionTable?.Device == map.TargetPath)?.PartitionTable;
                var line = new List<string> { $"{map.TargetPath} {MiB(b?.SizeBytes ?? 0)} MiB ({map.Resize})" };
                foreach (var pa in a?.Partitions.Where(p => p.Kind != PartitionKinds.Extended) ?? [])
                {
                    var ss = a!.LogicalSectorSize;
                    var planned = spec?.Partitions.FirstOrDefault(p => p.Number == pa.Number)?.SizeSectors;
                    var found = b?.Partitions.FirstOrDefault(p => p.Number == pa.Number)?.SizeSectors;
                    line.Add($"p{pa.Number} {MiB(pa.SizeSectors * ss)}:{(planned is { } pl ? MiB(pl * ss) : "?")}/{(found is { } f ? MiB(f * ss) : "?")}");
                }

                parts.Add(string.Join(' ', line));
            }

            foreach (var la in source.Lvm.LogicalVolumes.Where(l => !l.Hidden))
            {
                var argv = plan.Steps.FirstOrDefault(x => x.Kind == StepKinds.LvCreate && x.Id == "lv-create:" + la.Id)?.Commands[0].Argv;
                var i = argv?.IndexOf(la.SegmentType == "thin" ? "--virtualsize" : "--size") ?? -1;
                var planned = i >= 0 && long.TryParse(argv![i + 1].TrimEnd('b'), CultureInfo.InvariantCulture, out var pb) ? MiB(pb) : "?";
                var found = got.Lvm.LogicalVolumes.FirstOrDefault(l => l.VgName == la.VgName && l.Name == la.Name)?.SizeBytes is { } fb ? MiB(fb) : "?";
                parts.Add($"lv {la.Name} {MiB(la.SizeBytes)}:{planned}/{found}");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            parts.Add("sizes: " + e.Message);
        }

        var sections = s.GetValueOrDefault("TIMES", "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' '))
            .Where(f => f.Length == 3 && double.TryParse(f[1], CultureInfo.InvariantCulture, out _) && double.TryParse(f[2], CultureInfo.InvariantCulture, out _))
            .Select(f => $"{f[0].ToLowerInvariant()} {double.Parse(f[2], CultureInfo.InvariantCulture) - double.Parse(f[1], CultureInfo.InvariantCulture):F1} s");
        parts.Add("sizes MiB are source:planned/found; " + string.Join(", ", sections));

        // The slowest steps (executor) and commands (process runner), from the recover log.
        var steps = Regex.Matches(s.GetValueOrDefault("STEPTIMES", ""), @"\] (\S+): done in ([\d.]+) s").Select(m => (m.Groups[1].Value, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .OrderByDescending(x => x.Item2).Take(3).Select(x => $"{x.Item1} {x.Item2:F1} s");
        var commands = Regex.Matches(s.GetValueOrDefault("STEPTIMES", ""), @"ran \[(\d+) ms, exit -?\d+\] (\S+(?: \S+)?)").Select(m => (m.Groups[2].Value, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
            .OrderByDescending(x => x.Item2).Take(3).Select(x => $"{x.Item1} {x.Item2 / 1000.0:F1} s");
        parts.Add("slowest steps: " + string.Join(", ", steps) + "; slowest commands: " + string.Join(", ", commands));
        return string.Join("; ", parts);
    }

    internal static void AssertSameAsSourceAndPlan(LayoutDocument source, LayoutDocument got, RecoveryPlan plan, string size)
    {
        // Disks and partition tables: identities equal; geometry as planned.
        foreach (var map in plan.Mappings.Where(m => m.TargetPath is not null))
        {
            var a = source.Disks.Single(d => d.Id == map.SourceId);
            var b = got.Disks.Single(d => d.Path == map.TargetPath);
            Assert.Equal(size switch { "same" => "exact", "larger" => "grow", _ => "shrink" }, map.Resize);
            Assert.Equal(a.PartitionTable.Kind, b.PartitionTable.Kind);
            Assert.Equal(a.PartitionTable.DiskGuid, b.PartitionTable.DiskGuid);
            Assert.Equal(a.PartitionTable.MbrDiskId, b.PartitionTable.MbrDiskId);
            Assert.Equal(a.Partitions.Count, b.Partitions.Count);
            var spec = plan.Steps.SingleOrDefault(s => s.PartitionTable?.Device == map.TargetPath)?.PartitionTable;
            Assert.Equal(a.Partitions.Count > 0, spec is not null);
            foreach (var pa in a.Partitions)
            {
                var pb = b.Partitions.Single(p => p.Number == pa.Number);
                Assert.Equal(pa.Kind, pb.Kind);
                Assert.Equal(pa.TypeGuid, pb.TypeGuid);
                Assert.Equal(pa.MbrType, pb.MbrType);
                Assert.Equal(pa.PartUuid?.ToLowerInvariant(), pb.PartUuid?.ToLowerInvariant());
                Assert.Equal(pa.Name, pb.Name);
                Assert.Equal(pa.Attributes, pb.Attributes);
                Assert.Equal(pa.Bootable, pb.Bootable);
                var ps = spec!.Partitions.Single(p => p.Number == pa.Number);
                Assert.Equal(ps.StartSector, pb.StartSector);
                if (pa.Kind != PartitionKinds.Extended)
                {
                    Assert.Equal(ps.SizeSectors, pb.SizeSectors);
                }

                if (size == "same")
                {
                    Assert.Equal((pa.StartSector, pa.SizeSectors), (pb.StartSector, pb.SizeSectors));
                }
                else if (size == "larger")
                {
                    Assert.True(pb.SizeSectors >= pa.SizeSectors, $"partition {pa.Number} does not shrink on a larger disk");
                }
                else
                {
                    Assert.True(pb.SizeSectors <= pa.SizeSectors, $"partition {pa.Number} does not grow on a smaller disk");
                }
            }
        }

        // md arrays, LUKS, LVM.
        Assert.Equal(source.MdArrays.Count, got.MdArrays.Count);
        foreach (var ma in source.MdArrays)
        {
            var mb = got.MdArrays.Single(m => m.Uuid == ma.Uuid);
            Assert.Equal((ma.Level, ma.Metadata, ma.RaidDevices, ma.Name, ma.NamedPath, ma.Members.Count), (mb.Level, mb.Metadata, mb.RaidDevices, mb.Name, mb.NamedPath, mb.Members.Count));
        }

        Assert.Equal(source.Luks.Count, got.Luks.Count);
        foreach (var la in source.Luks)
        {
            var lb = got.Luks.Single(l => l.Uuid == la.Uuid);
            Assert.Equal((la.Version, la.Label, la.Cipher, la.KeySizeBits, la.Hash, la.Pbkdf, la.SectorSize, la.MappedName),
                (lb.Version, lb.Label, lb.Cipher, lb.KeySizeBits, lb.Hash, lb.Pbkdf, lb.SectorSize, lb.MappedName));
            Assert.Equal((la.PbkdfIterations, la.PbkdfMemoryKiB, la.PbkdfParallel), (lb.PbkdfIterations, lb.PbkdfMemoryKiB, lb.PbkdfParallel));
        }

        Assert.Equal(source.Lvm.PhysicalVolumes.Select(p => p.Uuid).Order(), got.Lvm.PhysicalVolumes.Select(p => p.Uuid).Order());
        Assert.Equal(source.Lvm.VolumeGroups.Select(v => (v.Name, v.ExtentSizeBytes)).Order(), got.Lvm.VolumeGroups.Select(v => (v.Name, v.ExtentSizeBytes)).Order());
        foreach (var la in source.Lvm.LogicalVolumes.Where(l => !l.Hidden))
        {
            var lb = got.Lvm.LogicalVolumes.Single(l => l.VgName == la.VgName && l.Name == la.Name);
            Assert.Equal((la.SegmentType, la.PoolLv, la.ChunkSizeBytes), (lb.SegmentType, lb.PoolLv, lb.ChunkSizeBytes));
            Assert.Equal(la.Uuid, lb.Uuid);
            var argv = plan.Steps.Single(s => s.Kind == StepKinds.LvCreate && s.Id == "lv-create:" + la.Id).Commands[0].Argv;
            var sizeArg = argv[argv.IndexOf(la.SegmentType == "thin" ? "--virtualsize" : "--size") + 1];
            Assert.Equal(long.Parse(sizeArg.TrimEnd('b'), CultureInfo.InvariantCulture), lb.SizeBytes);
            if (size == "same")
            {
                Assert.Equal(la.SizeBytes, lb.SizeBytes);
            }
        }

        Assert.Equal(source.Lvm.LogicalVolumes.Count(l => !l.Hidden), got.Lvm.LogicalVolumes.Count(l => !l.Hidden));
        Assert.Equal(source.Lvm.VolumeGroups.Select(v => v.Uuid).Order(), got.Lvm.VolumeGroups.Select(v => v.Uuid).Order());

        // Hidden volumes (thin pool data/metadata, the spare) keep their UUIDs too: LVM names them the same way again.
        foreach (var la in source.Lvm.LogicalVolumes.Where(l => l.Hidden))
        {
            Assert.Equal(la.Uuid, got.Lvm.LogicalVolumes.Single(l => l.VgName == la.VgName && l.Name == la.Name).Uuid);
        }

        // Filesystems: UUID, type, label and the parameters mkfs was given.
        Assert.Equal(source.Filesystems.Count, got.Filesystems.Count);
        foreach (var fa in source.Filesystems)
        {
            var fb = got.Filesystems.Single(f => f.Uuid == fa.Uuid);
            Assert.Equal((fa.Type, fa.Label, fa.DeviceIds.Count), (fb.Type, fb.Label, fb.DeviceIds.Count));
            if (fa.Ext is { } ea)
            {
                var eb = fb.Ext!;
                Assert.Equal((ea.BlockSize, ea.InodeSize, ea.HashSeed), (eb.BlockSize, eb.InodeSize, eb.HashSeed));
                Assert.Equal(ea.Features.Order(), eb.Features.Order());
                if (size == "same")
                {
                    Assert.Equal((ea.BlockCount, ea.InodeCount, ea.ReservedBlockCount), (eb.BlockCount, eb.InodeCount, eb.ReservedBlockCount));
                }
            }

            if (fa.Xfs is { } xa)
            {
                var xb = fb.Xfs!;
                Assert.Equal((xa.BlockSize, xa.InodeSize, xa.SectorSize, xa.Crc, xa.Reflink, xa.Finobt, xa.Rmapbt, xa.Bigtime),
                    (xb.BlockSize, xb.InodeSize, xb.SectorSize, xb.Crc, xb.Reflink, xb.Finobt, xb.Rmapbt, xb.Bigtime));
                if (size == "same")
                {
                    Assert.Equal((xa.AgCount, xa.LogBlocks), (xb.AgCount, xb.LogBlocks));
                }
            }

            if (fa.Btrfs is { } ba)
            {
                var bb = fb.Btrfs!;
                Assert.Equal((ba.DataProfile, ba.MetadataProfile, ba.NodeSize, ba.SectorSize, ba.Devices.Count), (bb.DataProfile, bb.MetadataProfile, bb.NodeSize, bb.SectorSize, bb.Devices.Count));
            }

            if (fa.Vfat is { } va)
            {
                Assert.Equal(va.FatSize, fb.Vfat!.FatSize);
            }
        }
    }
}
