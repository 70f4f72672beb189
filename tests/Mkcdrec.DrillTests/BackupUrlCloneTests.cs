using System.Text.RegularExpressions;
using Mkcdrec.TestVm;

namespace Mkcdrec.DrillTests;

/// <summary>
/// What the drill does not cover: `mkcdrec recover --backup URL` run by hand on a running Linux (not the rescue system's
/// unattended boot), the backup fetched over HTTP (a loopback server on this host, 10.0.2.2 on the guest's QEMU user
/// network) into a spool and verified before any disk is touched, with the clone options (--hostname, --new-machine-id,
/// --new-ssh-host-keys, --net). The backup is the one the BIOS drill's ISO carries (xorriso extracts /backup), so this
/// costs one test-guest boot and one recovery, and no second backup of the reference system. The recovered disk is
/// checked in place (every file against the manifest, the partition table, fsck); booting it is the drill's job.
/// </summary>
[Collection(BiosReference.Name)]
public sealed partial class BackupUrlCloneTests(BiosReferenceMedium medium)
{
    [Fact]
    public void A_backup_at_a_url_is_recovered_as_a_clone_with_a_new_identity()
    {
        var backup = medium.ExtractBackup();
        var root = medium.Reference.RootUuid;
        var home = medium.Reference.HomeUuid;
        using var server = new LoopbackHttpServer(Path.GetDirectoryName(backup)!);
        var served = "/" + Path.GetFileName(backup) + "/";
        var url = $"http://10.0.2.2:{server.Port}{served}";
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var vm = TestVm.TestVm.Start(new TestVmOptions
        {
            Disks = [medium.DiskBytes, Size.GiB(1)],
            MemoryMiB = 1536,
            UserNetwork = true,
            ExtraFiles = new Dictionary<string, string> { ["files/backup"] = backup },
        });
        var up = sw.Elapsed;

        // The guest's NIC, statically on QEMU's user network; the spool on a disk of its own (the backup is ~200 MiB).
        vm.RunChecked("modprobe virtio_net; for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 0.5; done\n"
            + "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0\n"
            + "mkfs.ext4 -q $SCRATCH1 && mkdir -p /spool && mount $SCRATCH1 /spool");

        var r = vm.Run($"mkcdrec recover --backup {url} --spool /spool/backup --unattended --map /dev/vda=$SCRATCH0 --journal /tmp/journal.json "
            + "--hostname drill-clone --new-machine-id --new-ssh-host-keys --net static:192.0.2.10/24,gw=192.0.2.1,dns=192.0.2.53 "
            + "--post-recovery-hook 'echo \"$MKCDREC_HOOK in $(cat /etc/hostname)\" > /root/post-recovery.txt' 2>&1", TimeSpan.FromMinutes(20));
        Assert.True(r.ExitCode == 0, $"recover --backup URL failed:\n{HostProcess.Tail(r.Stdout, 6000)}\n{r.Stderr}");
        var said = r.Stdout;
        var fetched = FetchedLine().Match(said);
        Assert.True(fetched.Success, "no 'Fetched the backup' line:\n" + HostProcess.Tail(said, 3000));
        var asked = server.Requests.Where(q => q.Method == "GET").Select(q => q.Path).ToList();
        Assert.Equal(served + "manifest.json", asked[0]);
        Assert.All(Directory.GetFiles(backup).Select(Path.GetFileName), f => Assert.Contains(served + f, asked));
        Assert.Contains("Backup verified", said, StringComparison.Ordinal);
        Assert.Contains("Every UUID is the same as in the layout", said, StringComparison.Ordinal);
        Assert.Contains("The initramfs is kept as restored", said, StringComparison.Ordinal);
        Assert.Contains("Installing GRUB for BIOS on /dev/vdb", said, StringComparison.Ordinal);
        Assert.Contains("Clone: hostname mkcdrec-ref -> drill-clone", said, StringComparison.Ordinal);
        Assert.Contains("Clone: new machine-id", said, StringComparison.Ordinal);
        Assert.Contains("Clone: network of eth0 set to 192.0.2.10/24 via 192.0.2.1 in /etc/network/interfaces", said, StringComparison.Ordinal);
        Assert.Contains("After finalize, the post-recovery hook given will run in the recovered system: echo", said, StringComparison.Ordinal);
        Assert.Contains("The post-recovery hook succeeded.", said, StringComparison.Ordinal);

        var cmp = vm.Run($$"""
            mkdir -p /mnt/chk
            mount -o ro ${SCRATCH0}2 /mnt/chk && mount -o ro ${SCRATCH0}3 /mnt/chk/home || exit 1
            mkcdrec verify --compare /job/files/backup --id fs:ext4:{{root}} --root /mnt/chk; echo "CMP-ROOT=$?"
            mkcdrec verify --compare /job/files/backup --id fs:ext4:{{home}} --root /mnt/chk/home; echo "CMP-HOME=$?"
            echo "HOSTNAME=$(cat /mnt/chk/etc/hostname)"
            echo "HOSTS=$(grep -c drill-clone /mnt/chk/etc/hosts)"
            echo "MACHINE-ID=$(cat /mnt/chk/etc/machine-id)"
            echo "HOOK=$(cat /mnt/chk/root/post-recovery.txt)"
            grep -q 'address 192.0.2.10/24' /mnt/chk/etc/network/interfaces && grep -q 'gateway 192.0.2.1' /mnt/chk/etc/network/interfaces && echo NET-OK
            [ -f /mnt/chk/etc/network/interfaces.mkcdrec-orig ] && echo NET-ORIG-KEPT
            umount /mnt/chk/home /mnt/chk
            sgdisk -v $SCRATCH0
            e2fsck -fn ${SCRATCH0}2 >/dev/null && e2fsck -fn ${SCRATCH0}3 >/dev/null && echo FSCK-OK
            """, TimeSpan.FromMinutes(10));
        var o = cmp.Stdout;
        Assert.True(cmp.ExitCode == 0, $"the check of the recovered disk failed:\n{cmp}");
        Assert.Contains("CMP-HOME=0", o, StringComparison.Ordinal);
        Assert.Contains($"No differences between archive 'fs:ext4:{home}'", o, StringComparison.Ordinal);
        Assert.Contains("HOSTNAME=drill-clone", o, StringComparison.Ordinal);
        Assert.DoesNotContain("HOSTS=0", o, StringComparison.Ordinal);
        Assert.Matches(@"MACHINE-ID=[0-9a-f]{32}\b", o);
        Assert.Contains("NET-OK", o, StringComparison.Ordinal);
        Assert.Contains("HOOK=post-recovery in drill-clone", o, StringComparison.Ordinal); // in the chroot, after the clone settings
        Assert.Contains("NET-ORIG-KEPT", o, StringComparison.Ordinal);
        Assert.Contains("No problems found", o, StringComparison.Ordinal);
        Assert.Contains("FSCK-OK", o, StringComparison.Ordinal);

        // The root filesystem is the backup but for what the clone options and the recovery itself write.
        var diffs = CompareOutput.Differences(o);
        var unexpected = diffs.Where(d => !(Expected(d.Path) || IsGrubRewrite(d) || IsLogDirectory(d))).ToList();
        Assert.True(unexpected.Count == 0, "unexpected differences in the clone's root filesystem:\n" + string.Join('\n', unexpected.Select(d => $"{d.Kind} {d.Path} ({d.Detail})")));
        Assert.Contains(diffs, d => d.Path == "etc/hostname");
        Assert.Contains(diffs, d => d.Path == "etc/machine-id");
        Assert.Contains(diffs, d => d.Path == "etc/network/interfaces");
        ReferenceMediumFixture.Log($"[bios-clone] PASS; test guest up {up.TotalSeconds:0} s, recover --backup URL (clone) {r.Duration.TotalSeconds:0} s "
            + $"(fetch {fetched.Groups[2].Value} MiB in {fetched.Groups[3].Value} s, {fetched.Groups[4].Value} MiB/s), "
            + $"check {cmp.Duration.TotalSeconds:0} s; {diffs.Count} expected differences in / (clone settings, GRUB files, recovery log)");
    }

    /// <summary>
    /// What the clone options change (hostname, hosts, machine-id, network, resolver, SSH keys: etc/ssh gets new ones
    /// now that the reference system has OpenSSH's client), the post-recovery hook's file and the recovery log.
    /// </summary>
    private static bool Expected(string path) =>
        path is "etc" or "root" or "root/post-recovery.txt" or "etc/hostname" or "etc/hosts" or "etc/machine-id" or "var/lib/dbus/machine-id" or "etc/resolv.conf"
            or "etc/network" or "etc/network/interfaces" or "etc/network/interfaces.mkcdrec-orig" or "etc/ssh"
        || path.StartsWith("etc/ssh/ssh_host_", StringComparison.Ordinal)
        || path.StartsWith("var/log/mkcdrec", StringComparison.Ordinal);

    /// <summary>The recovery adds its log directory (var/log/mkcdrec) to /var/log, whose mtime changes with it.</summary>
    private static bool IsLogDirectory((string Kind, string Path, string Detail) d) =>
        d.Path == "var/log" && CompareOutput.IsMtimeOnly(d);

    /// <summary>grub-install copies GRUB's modules, fonts and locales again: same content, only the mtime differs.</summary>
    private static bool IsGrubRewrite((string Kind, string Path, string Detail) d) =>
        d.Path.StartsWith("boot/grub/", StringComparison.Ordinal) && CompareOutput.IsMtimeOnly(d);

    [GeneratedRegex(@"Fetched the backup from \S+ into \S+: (\d+) file\(s\), ([\d.]+) MiB in ([\d.]+) s \(([\d.]+) MiB/s\)")]
    private static partial Regex FetchedLine();
}
