using System.Diagnostics;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.TestVm;

namespace Mkcdrec.DrillTests;

/// <summary>
/// `mkcdrec recover --new-identifiers`: a machine's disk cloned onto a second disk of the same machine while the original
/// stays attached. In one test guest the BIOS reference backup (the one its ISO carries) is recovered normally onto the
/// first scratch disk: that is "the original", with the backup's identifiers. The same recovery onto the second disk is
/// refused before anything is written (exit code 7: its UUIDs would be the original's); with --new-identifiers it
/// succeeds, and the guest's own tools (blkid, the clone's files, its initramfs, the backup's manifest) show that every
/// identifier is new and every reference follows it. Then the clone boots through SeaBIOS with the original attached as
/// a second disk: the reference system's hook runs a probe from a job disk and the booted system's /, /home and swap are
/// the clone's, nothing of the original's is in use.
/// </summary>
[Collection(BiosReference.Name)]
[Trait("tier", "clone")] // with the matrix (./test.sh matrix) and as its slice clone-drills: ~15 min under TCG, too slow for every CI run
public sealed partial class NewIdentifiersCloneTests(BiosReferenceMedium medium)
{
    private const string Refusal = "The plan would create identifiers that devices it does not overwrite already have";

    /// <summary>Runs in the booted clone (the reference hook's job.sh; its output goes to ttyS0).</summary>
    private const string BootProbe = """
        #!/bin/sh
        # swap is on before multi-user.target; wait a little all the same (its device unit may come late under TCG)
        for i in $(seq 60); do [ -n "$(swapon --show=UUID --noheadings)" ] && break; sleep 1; done
        echo "PROBE-ROOT=$(findmnt -no UUID /)"
        echo "PROBE-ROOT-SOURCE=$(findmnt -no SOURCE /)"
        echo "PROBE-HOME=$(findmnt -no UUID /home)"
        echo "PROBE-SWAP=$(swapon --show=UUID --noheadings | tr '\n' ' ')"
        echo "PROBE-SWAP-SOURCE=$(swapon --show=NAME --noheadings | tr '\n' ' ')"
        echo "PROBE-MOUNTS=$(findmnt -rno SOURCE | sort -u | tr '\n' ' ')"
        echo "PROBE-CLONE-DISK=$(readlink -f /dev/disk/by-id/virtio-clone)"
        echo "PROBE-ORIGINAL-DISK=$(readlink -f /dev/disk/by-id/virtio-original)"
        echo "PROBE-CMDLINE=$(cat /proc/cmdline)"
        echo "PROBE-END"
        """;

    [Fact]
    public void A_clone_on_a_second_disk_of_the_same_machine_gets_new_identifiers_and_boots_with_the_original_attached()
    {
        var backup = medium.ExtractBackup();
        var facts = medium.Reference.Facts;
        var (bRoot, bHome, bSwap) = (medium.Reference.RootUuid, medium.Reference.HomeUuid, facts["SWAP_UUID"]);
        var layout = File.ReadAllText(Path.Combine(backup, "layout.json"));
        Assert.Contains(bRoot, layout, StringComparison.OrdinalIgnoreCase); // else "not in the layout" below proves nothing

        string? work = null;
        try
        {
            string originalImage, cloneImage;
            var sw = Stopwatch.StartNew();
            GuestResult first, refused, renewed, checks, compare;
            string root, home, swap; // the clone's
            int rootDiffs;
            TimeSpan up;
            using (var vm = TestVm.TestVm.Start(new TestVmOptions
                   {
                       Disks = [medium.DiskBytes, medium.DiskBytes],
                       ExtraFiles = new Dictionary<string, string> { ["files/backup"] = backup },
                   }))
            {
                up = sw.Elapsed;
                var (orig, clone) = (vm.ScratchDisks[0], vm.ScratchDisks[1]);

                // 1. The original: the backup recovered as it is, its identifiers the backup's.
                first = vm.Run("mkcdrec recover --backup /job/files/backup --unattended --map /dev/vda=$SCRATCH0 --journal /tmp/j1.json 2>&1", TimeSpan.FromMinutes(20));
                Assert.True(first.ExitCode == 0, $"the recovery of the original onto {orig} failed:\n{HostProcess.Tail(first.Stdout, 6000)}\n{first.Stderr}");

                // 2. The same recovery onto the second disk: refused, nothing written.
                refused = vm.Run("mkcdrec recover --backup /job/files/backup --unattended --map /dev/vda=$SCRATCH1 --journal /tmp/j2.json 2>&1", TimeSpan.FromMinutes(20));
                Assert.True(refused.ExitCode == 7, $"recover onto {clone} beside the original exited {refused.ExitCode}, not 7 (refused):\n{HostProcess.Tail(refused.Stdout, 6000)}\n{refused.Stderr}");
                Assert.Contains(Refusal, refused.Stdout, StringComparison.Ordinal);
                var blank = vm.Run("""
                    udevadm settle --timeout=30
                    blkid -p $SCRATCH1; echo "BLKID-RC=$?"
                    cmp -s -n 4194304 $SCRATCH1 /dev/zero && echo HEAD-ZERO
                    size=$(blockdev --getsz $SCRATCH1)
                    dd if=$SCRATCH1 bs=512 skip=$((size - 2048)) count=2048 status=none | cmp -s -n 1048576 - /dev/zero && echo TAIL-ZERO
                    n=${SCRATCH1#/dev/}; echo "PARTITIONS=$(ls /sys/block/$n | grep -c "^$n")"
                    """);
                Assert.True(blank.Stdout.Contains("BLKID-RC=2", StringComparison.Ordinal) && blank.Stdout.Contains("HEAD-ZERO", StringComparison.Ordinal)
                    && blank.Stdout.Contains("TAIL-ZERO", StringComparison.Ordinal) && blank.Stdout.Contains("PARTITIONS=0", StringComparison.Ordinal),
                    $"the refused recovery wrote to {clone}:\n{blank}");

                // 3. With --new-identifiers.
                renewed = vm.Run("mkcdrec recover --backup /job/files/backup --unattended --map /dev/vda=$SCRATCH1 --journal /tmp/j3.json --new-identifiers 2>&1", TimeSpan.FromMinutes(25));
                Assert.True(renewed.ExitCode == 0, $"recover --new-identifiers onto {clone} failed:\n{HostProcess.Tail(renewed.Stdout, 8000)}\n{renewed.Stderr}");

                checks = vm.RunChecked($$"""
                    set -u
                    udevadm settle --timeout=30
                    echo "== blkid"
                    blkid -c /dev/null -o export; echo
                    for d in /dev/vd*; do blkid -c /dev/null -o export $d; echo; done
                    for d in /dev/vd?; do blkid -c /dev/null -p -o export $d; echo; done
                    echo "== end"
                    mkdir -p /mnt/clone
                    mount -o ro ${SCRATCH1}2 /mnt/clone && mount -o ro ${SCRATCH1}3 /mnt/clone/home || exit 1
                    echo "== fstab"; cat /mnt/clone/etc/fstab; echo "== end"
                    echo "== grub.cfg"; cat /mnt/clone/boot/grub/grub.cfg; echo "== end"
                    echo "== default-grub"; cat /mnt/clone/etc/default/grub; echo "== end"
                    echo "== resume"; cat /mnt/clone/etc/initramfs-tools/conf.d/resume; echo "== end"
                    initrd=$(ls /mnt/clone/boot/initrd.img-* | head -n 1)
                    echo "INITRD=$initrd"
                    # The main archive's conf/conf.d; through unmkinitramfs when it is not a lone zstd cpio (early microcode)
                    r=$(zstd -dcq "$initrd" 2>/dev/null | cpio -i --quiet --to-stdout 'conf/conf.d/*' 2>/dev/null)
                    if [ -z "$r" ]; then
                        rm -rf /tmp/ird && unmkinitramfs "$initrd" /tmp/ird && r=$(find /tmp/ird -path '*/conf/conf.d/*' -type f -exec cat {} +)
                        rm -rf /tmp/ird
                    fi
                    echo "== initrd-conf"; echo "$r"; echo "== end"
                    """, TimeSpan.FromMinutes(5));
                var o = checks.Stdout;
                var ids = ParseBlkid(Section(o, "blkid"));

                // Every identifier once on this machine; the original's the backup's; the clone's all new.
                var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var (dev, tags) in ids)
                {
                    foreach (var key in new[] { "UUID", "UUID_SUB", "PARTUUID", "PTUUID" })
                    {
                        if (tags.TryGetValue(key, out var v) && v.Length > 0)
                        {
                            Assert.False(seen.TryGetValue(v, out var other) && other != dev, $"{key} {v} is on both {other} and {dev}:\n{Section(o, "blkid")}");
                            seen[v] = dev;
                        }
                    }
                }

                string Tag(string dev, string key) =>
                    ids.TryGetValue(dev, out var t) && t.TryGetValue(key, out var v) && v.Length > 0 ? v
                        : throw new Xunit.Sdk.XunitException($"blkid shows no {key} for {dev}:\n{Section(o, "blkid")}");
                var (oRoot, oHome, oSwap) = (Tag(orig + "2", "UUID"), Tag(orig + "3", "UUID"), Tag(orig + "4", "UUID"));
                var (cRoot, cHome, cSwap) = (Tag(clone + "2", "UUID"), Tag(clone + "3", "UUID"), Tag(clone + "4", "UUID"));
                (root, home, swap) = (cRoot, cHome, cSwap);
                Assert.Equal((bRoot, bHome, bSwap), (oRoot, oHome, oSwap));
                var cloneIds = new[] { Tag(clone, "PTUUID"), cRoot, cHome, cSwap }
                    .Concat(Enumerable.Range(1, 4).Select(n => Tag(clone + n, "PARTUUID"))).ToList();
                var inLayout = cloneIds.Where(v => layout.Contains(v, StringComparison.OrdinalIgnoreCase)).ToList();
                Assert.True(inLayout.Count == 0, $"the clone kept identifiers of the backup's layout: {string.Join(", ", inLayout)}");
                Assert.NotEqual(Tag(orig, "PTUUID"), Tag(clone, "PTUUID"));

                // The references in the clone follow its new identifiers and name none of the original's.
                var fstab = Section(o, "fstab");
                foreach (var u in new[] { cRoot, cHome, cSwap })
                {
                    Assert.True(fstab.Contains("UUID=" + u, StringComparison.OrdinalIgnoreCase), $"the clone's fstab does not name {u}:\n{fstab}");
                }

                var grub = Section(o, "grub.cfg");
                Assert.True(grub.Contains("root=UUID=" + cRoot, StringComparison.OrdinalIgnoreCase), $"the clone's grub.cfg does not boot root=UUID={cRoot}:\n{grub}");
                Assert.True(Regex.IsMatch(grub, @"search .*--fs-uuid --set=root " + cRoot), $"the clone's grub.cfg does not search {cRoot}:\n{grub}");
                var resume = Section(o, "resume");
                Assert.Contains("RESUME=UUID=" + cSwap, resume, StringComparison.OrdinalIgnoreCase);
                var initrdConf = Section(o, "initrd-conf");
                Assert.True(initrdConf.Contains("RESUME=UUID=" + cSwap, StringComparison.OrdinalIgnoreCase),
                    $"the clone's initramfs ({Line(o, "INITRD")}) does not resume from {cSwap}; its conf/conf.d:\n{initrdConf}");
                foreach (var (name, text) in new[] { ("fstab", fstab), ("grub.cfg", grub), ("etc/default/grub", Section(o, "default-grub")), ("conf.d/resume", resume), ("the initramfs' conf.d", initrdConf) })
                {
                    var stale = new[] { oRoot, oHome, oSwap }.Where(u => text.Contains(u, StringComparison.OrdinalIgnoreCase)).ToList();
                    Assert.True(stale.Count == 0, $"the clone's {name} still names the original's {string.Join(", ", stale)}:\n{text}");
                }

                // The files: /home as the backup; / as the backup but for the references and what the recovery writes.
                compare = vm.Run($$"""
                    mkcdrec verify --compare /job/files/backup --id fs:ext4:{{bRoot}} --root /mnt/clone; echo "CMP-ROOT=$?"
                    mkcdrec verify --compare /job/files/backup --id fs:ext4:{{bHome}} --root /mnt/clone/home; echo "CMP-HOME=$?"
                    umount /mnt/clone/home /mnt/clone || exit 1
                    sgdisk -v $SCRATCH1
                    e2fsck -fn ${SCRATCH1}2 >/dev/null && e2fsck -fn ${SCRATCH1}3 >/dev/null && echo FSCK-OK
                    sync; blockdev --flushbufs $SCRATCH0 $SCRATCH1
                    """, TimeSpan.FromMinutes(10));
                var c = compare.Stdout;
                Assert.True(compare.ExitCode == 0, $"the check of the clone failed:\n{compare}");
                Assert.Contains("CMP-HOME=0", c, StringComparison.Ordinal);
                Assert.Contains($"No differences between archive 'fs:ext4:{bHome}'", c, StringComparison.Ordinal);
                Assert.Contains("No problems found", c, StringComparison.Ordinal);
                Assert.Contains("FSCK-OK", c, StringComparison.Ordinal);
                var diffs = CompareOutput.Differences(c.Split("CMP-ROOT=", 2)[0]);
                rootDiffs = diffs.Count;
                var unexpected = diffs.Where(d => !ExpectedInRoot(d)).ToList();
                Assert.True(unexpected.Count == 0, "unexpected differences in the clone's root filesystem:\n"
                    + string.Join('\n', unexpected.Select(d => $"{d.Kind} {d.Path} ({d.Detail})")));
                Assert.Contains(diffs, d => d.Path == "etc/fstab");
                Assert.Contains(diffs, d => d.Path == "boot/grub/grub.cfg");
                Assert.Contains(diffs, d => d.Path.StartsWith("boot/initrd.img-", StringComparison.Ordinal));

                // Keep both disks for the boot: hard links beside the VM directory (same filesystem) outlive its deletion;
                // a "vm-PID-" name is removed by the harness's stale-directory sweep if this process dies.
                work = Path.Combine(Path.GetDirectoryName(vm.VmDir)!, $"vm-{Environment.ProcessId}-newids-{Guid.NewGuid().ToString("N")[..8]}");
                Directory.CreateDirectory(work);
                originalImage = Path.Combine(work, "original.img");
                cloneImage = Path.Combine(work, "clone.img");
                HostProcess.Checked("ln", vm.DiskImages[0], originalImage);
                HostProcess.Checked("ln", vm.DiskImages[1], cloneImage);
                ReferenceMediumFixture.Log($"[bios-new-ids] original {orig}: / {oRoot}, /home {oHome}, swap {oSwap}; clone {clone}: / {cRoot}, /home {cHome}, swap {cSwap}");
            } // the test guest powers off here: only one QEMU at a time

            // 4. The clone boots (bootindex 0) with the original attached; both snapshot=on.
            var boot = JobRunner.Run(
                [new VmDisk(cloneImage) { Boot = true, Snapshot = true, Serial = "clone" }, new VmDisk(originalImage) { Snapshot = true, Serial = "original" }],
                uefi: false, uefiVars: null, Path.Combine(work, "boot"), BootProbe,
                new ReferenceJobOptions { JobDiskBytes = Size.MiB(256), Timeout = TimeSpan.FromMinutes(15), ConsoleLogName = "clone-boot-console.log" });
            var console = boot.Console;
            Assert.True(boot.ExitCode == 0 && console.Contains("PROBE-END", StringComparison.Ordinal),
                $"the probe in the booted clone failed (job exit code {boot.ExitCode}):\n{HostProcess.Tail(console, 6000)}");
            string Probe(string key) => ProbeLine().Matches(console).Where(m => m.Groups[1].Value == key).Select(m => m.Groups[2].Value.Trim()).LastOrDefault() ?? "";
            var (originalDisk, cloneDisk) = (Probe("ORIGINAL-DISK"), Probe("CLONE-DISK"));
            var context = $"\nthe probe said:\n{string.Join('\n', ProbeLine().Matches(console).Select(m => m.Value.Trim()))}";
            Assert.True(Probe("ROOT") == root, $"the booted clone's / is {Probe("ROOT")}, not the clone's {root}{context}");
            Assert.True(Probe("HOME") == home, $"the booted clone's /home is {Probe("HOME")}, not the clone's {home}{context}");
            Assert.True(Probe("SWAP") == swap, $"the booted clone's swap is '{Probe("SWAP")}', not the clone's {swap}{context}");
            Assert.True(cloneDisk.StartsWith("/dev/vd", StringComparison.Ordinal) && originalDisk.StartsWith("/dev/vd", StringComparison.Ordinal), "the probe did not find the disks" + context);
            Assert.StartsWith(cloneDisk, Probe("ROOT-SOURCE"), StringComparison.Ordinal);
            Assert.True(!Probe("MOUNTS").Split(' ').Concat(Probe("SWAP-SOURCE").Split(' ')).Any(s => s.StartsWith(originalDisk, StringComparison.Ordinal)),
                $"the booted clone uses the original disk {originalDisk}{context}");
            Assert.Contains("root=UUID=" + root, Probe("CMDLINE"), StringComparison.Ordinal);

            ReferenceMediumFixture.Log($"[bios-new-ids] PASS; test guest up {up.TotalSeconds:0} s, recover (the original) {first.Duration.TotalSeconds:0} s "
                + $"({Finished(first.Stdout)}), refused beside it {refused.Duration.TotalSeconds:0} s, recover --new-identifiers {renewed.Duration.TotalSeconds:0} s ({Finished(renewed.Stdout)}), "
                + $"checks {checks.Duration.TotalSeconds + compare.Duration.TotalSeconds:0} s ({rootDiffs} expected differences in /); "
                + $"the clone beside the original: QEMU start to boot marker {boot.BootedAfter?.TotalSeconds:0} s, to power-off {boot.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            if (work is not null && Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>
    /// What the recovery writes in /: the references finalize rewrites (fstab, the resume configuration) and the copies
    /// of them as restored it keeps (etc/fstab.mkcdrec-orig; var/lib/mkcdrec/original/… for a conf.d file, where a copy
    /// would be read too), what it makes again under /boot (the initramfs, grub.cfg, GRUB's files and core image),
    /// update-initramfs' checksum of the initramfs, the recovery log; and the mtimes of their directories and of /var/tmp
    /// (update-initramfs' temporary directory). Nothing of /boot disappears.
    /// </summary>
    private static bool ExpectedInRoot((string Kind, string Path, string Detail) d)
    {
        var p = d.Path;
        var mtimeOnly = CompareOutput.IsMtimeOnly(d);
        return p is "etc/fstab" or "etc/initramfs-tools/conf.d/resume"
            || (d.Kind == "new" && (p == "etc/fstab.mkcdrec-orig" || p.StartsWith("var/lib/mkcdrec/original", StringComparison.Ordinal)))
            || (p.StartsWith("boot/", StringComparison.Ordinal) && d.Kind != "missing")
            || p.StartsWith("var/lib/initramfs-tools", StringComparison.Ordinal)
            || p.StartsWith("var/log/mkcdrec", StringComparison.Ordinal)
            || (mtimeOnly && (p is "etc" or "boot" or "var/log" or "var/lib" or "var/lib/mkcdrec" or "var/tmp" or "etc/initramfs-tools" or "etc/initramfs-tools/conf.d"));
    }

    /// <summary>The text between "== NAME" and the next "== end" line.</summary>
    private static string Section(string output, string name)
    {
        var m = Regex.Match(output, $@"^== {Regex.Escape(name)}\r?\n(.*?)^== end\r?$", RegexOptions.Multiline | RegexOptions.Singleline);
        return m.Success ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no '{name}' section in the guest's output:\n{HostProcess.Tail(output, 4000)}");
    }

    /// <summary>The phases of `recover`'s closing line ("Recovery finished in N s: plan N s, …").</summary>
    private static string Finished(string output) =>
        Regex.Match(output, @"Recovery finished in [0-9.]+ s: (.*?)\.?\r?$", RegexOptions.Multiline).Groups[1].Value;

    private static string Line(string output, string key) =>
        Regex.Match(output, $@"^{Regex.Escape(key)}=(.*?)\r?$", RegexOptions.Multiline).Groups[1].Value;

    /// <summary>`blkid -o export` blocks (KEY=value lines, a blank line between devices) by DEVNAME; a device seen twice is merged.</summary>
    private static Dictionary<string, Dictionary<string, string>> ParseBlkid(string export)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var block in Regex.Split(export.Replace("\r", "", StringComparison.Ordinal), @"\n\s*\n"))
        {
            var tags = block.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2)
                .GroupBy(kv => kv[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
            if (!tags.TryGetValue("DEVNAME", out var dev))
            {
                continue;
            }

            if (!result.TryGetValue(dev, out var known))
            {
                result[dev] = known = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            foreach (var (k, v) in tags)
            {
                known[k] = v;
            }
        }

        return result;
    }

    [GeneratedRegex(@"PROBE-([A-Z-]+)=([^\r\n]*)")]
    private static partial Regex ProbeLine();
}
