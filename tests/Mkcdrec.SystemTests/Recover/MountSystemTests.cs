using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// `mkcdrec mount` and `mkcdrec umount` (#15's repair path) on a real stack: RAID1 (two arrays) → LUKS2 → LVM with a thin
/// pool, ext4 and xfs, built by the recreate fixture's script and taken down with the field's own tools. mount must bring
/// it all back from the disks as they are, by identifiers, and put every file where it was (sha256sum); umount must
/// leave nothing active; --read-only (with --check: each filesystem's own read-only check) must leave every byte of every
/// disk as it was.
/// </summary>
[Collection("recreate")]
public sealed class MountSystemTests(RecreateGuestFixture fixture)
{
    private readonly Mkcdrec.TestVm.TestVm _vm = fixture.Vm;

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    private const string Layout = "/tmp/src-raid-luks-lvm.json";

    /// <summary>What is up of the stack, as the kernel and the field's tools see it (not through mkcdrec).</summary>
    private const string State = """
        echo "mounts $(findmnt -rn -o TARGET | grep -c '^/mnt/local' || true)"
        echo "md $(grep -c '^md' /proc/mdstat || true)"
        echo "luks $(dmsetup ls 2>/dev/null | grep -c '^cryptdata' || true)"
        echo "lv-active $(lvs --noheadings -o lv_active vg0 2>/dev/null | grep -c active || true)"
        """;

    private Dictionary<string, int> StateNow() => _vm.RunChecked(State).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split(' ')).ToDictionary(f => f[0], f => int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Mount_brings_a_raid_luks_lvm_system_back_by_its_identifiers_and_umount_takes_it_down()
    {
        // The stack, live and mounted at /mnt/r as the script leaves it; a file on each filesystem, summed; then all of it
        // taken down with umount, vgchange, cryptsetup and mdadm.
        fixture.Captured.Remove("raid-luks-lvm");
        RecreateSystemTests.EnsureSource(fixture, "raid-luks-lvm", RecreateSystemTests.Fixtures["raid-luks-lvm"].Script);
        _vm.RunChecked("""
            set -e
            head -c 3M /dev/urandom > /mnt/r/root-file; head -c 1M /dev/urandom > /mnt/r/boot/boot-file
            (cd /mnt/r && sha256sum root-file boot/boot-file thin/blob) > /tmp/mount-sums
            umount /mnt/r/thin /mnt/r/boot /mnt/r
            vgchange -q -an vg0 >/dev/null; cryptsetup close cryptdata; mdadm --stop /dev/md/boot /dev/md/data 2>/dev/null
            """, Long);
        Assert.Equal(new Dictionary<string, int> { ["mounts"] = 0, ["md"] = 0, ["luks"] = 0, ["lv-active"] = 0 }, StateNow());

        // No key and nobody to ask: refused before anything is brought up.
        var noKey = _vm.Run($"mkcdrec mount --layout {Layout} --unattended < /dev/null", Long);
        Assert.NotEqual(0, noKey.ExitCode);
        var luksUuid = Mkcdrec.Model.Layout.LayoutSerializer.Deserialize(_vm.RunChecked($"cat {Layout}").Stdout).Luks.Single().Uuid;
        Assert.Contains(luksUuid, noKey.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, StateNow()["md"]);

        var mounted = _vm.Run($"mkcdrec mount --layout {Layout} --key-file {RecreateSystemTests.KeyFile}", Long);
        Assert.True(mounted.ExitCode == 0, mounted.ToString());
        foreach (var said in new[] { "Assembled RAID raid1 /dev/md/boot", "Assembled RAID raid1 /dev/md/data", "Opened LUKS", "on /mnt/local/mnt/r/thin" })
        {
            Assert.Contains(said, mounted.Stdout, StringComparison.Ordinal);
        }

        // LVM's own event activation (udev, pvscan) may have activated vg0 as soon as the container opened.
        Assert.Matches("Activated volume group vg0|Volume group vg0 is already active", mounted.Stdout);

        Assert.Equal(new Dictionary<string, int> { ["mounts"] = 3, ["md"] = 2, ["luks"] = 1, ["lv-active"] = 4 }, StateNow());
        Assert.Equal(3, _vm.RunChecked("cd /mnt/local/mnt/r && sha256sum -c /tmp/mount-sums").Stdout.Split('\n').Count(l => l.EndsWith(": OK", StringComparison.Ordinal)));
        Assert.Equal("/dev/mapper/vg0-thin1 xfs", _vm.RunChecked("findmnt -rn -o SOURCE,FSTYPE /mnt/local/mnt/r/thin").Stdout.Trim());

        // Again: everything is found up, nothing is mounted twice.
        var again = _vm.Run($"mkcdrec mount --layout {Layout} --unattended", Long);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("already assembled", again.Stdout, StringComparison.Ordinal);
        Assert.Contains("/mnt/local/mnt/r is already mounted", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, StateNow()["mounts"]);

        // A filesystem of the layout also mounted outside the target root (as on the running server itself): umount takes
        // down only what is under /mnt/local; the RAID, LUKS and LVM under the other mount stay up.
        _vm.RunChecked("mkdir -p /mnt/outside && mount /dev/mapper/vg0-thin1 /mnt/outside");
        var kept = _vm.Run($"mkcdrec umount --layout {Layout}", Long);
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.Contains("is mounted on /mnt/outside): only what is mounted under /mnt/local is taken down", kept.Stdout, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["mounts"] = 0, ["md"] = 2, ["luks"] = 1, ["lv-active"] = 4 }, StateNow());
        _vm.RunChecked("umount /mnt/outside");

        var down = _vm.Run($"mkcdrec umount --layout {Layout}", Long);
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal(new Dictionary<string, int> { ["mounts"] = 0, ["md"] = 0, ["luks"] = 0, ["lv-active"] = 0 }, StateNow());

        // Read-only: mounted, nothing can be written, and no byte of any disk changed (hashed on the host before and after).
        _vm.RunChecked("sync; for d in $SCRATCH_DISKS; do blockdev --flushbufs $d; done");
        var before = fixture.HashDisks();
        var ro = _vm.Run($"mkcdrec mount --layout {Layout} --key-file {RecreateSystemTests.KeyFile} --read-only --check", Long);
        Assert.True(ro.ExitCode == 0, ro.ToString());
        Assert.Contains("read-only", ro.Stdout, StringComparison.Ordinal);
        Assert.Contains("Checked /dev/mapper/vg0-thin1 (xfs, xfs_repair): clean.", ro.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, ro.Stdout.Split('\n').Count(l => l.StartsWith("Checked ", StringComparison.Ordinal) && l.EndsWith(": clean.", StringComparison.Ordinal)));
        Assert.Equal(3, StateNow()["mounts"]);
        Assert.Equal(3, _vm.RunChecked("cd /mnt/local/mnt/r && sha256sum -c /tmp/mount-sums").Stdout.Split('\n').Count(l => l.EndsWith(": OK", StringComparison.Ordinal)));
        Assert.False(_vm.Run("touch /mnt/local/mnt/r/written-while-read-only").Succeeded);
        Assert.Equal("1", _vm.RunChecked("blockdev --getro /dev/mapper/cryptdata").Stdout.Trim());
        var roDown = _vm.Run($"mkcdrec umount --layout {Layout}", Long);
        Assert.True(roDown.ExitCode == 0, roDown.ToString());
        _vm.RunChecked("sync; for d in $SCRATCH_DISKS; do blockdev --flushbufs $d; done");
        Assert.Equal(before.Select(h => h.Content), fixture.HashDisks().Select(h => h.Content));
        fixture.MarkersIntact = false;
    }
}
