using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// Recreating a layout on the disks that still hold it: the most common recovery (the filesystems are wrecked, the disks
/// are fine) and what a recovery meets after a power cut. A new md array over the old one's offsets shows the old
/// array's contents, here an LVM physical volume of a volume group, which pvcreate refuses to overwrite: the plan clears
/// what a new array shows before it makes anything on it. The guest runs without LVM's udev autoactivation rule, as the
/// rescue system does (it does not carry 69-lvm.rules): with it, a full system starts the stale volume group the
/// moment the array appears, and that race is not handled (docs/recovery.md).
/// </summary>
[Collection("recreate")]
public sealed class InPlaceRecreateSystemTests(RecreateGuestFixture fixture)
{
    // LVM's autoactivation rule under each name it has had: Debian 12's lvm2 ships 69-lvm.rules (upstream 69-dm-lvm.rules;
    // before 2.03.14 69-dm-lvm-metad.rules, Debian's 69-lvm-metad.rules). Masking only the upstream name left Debian's rule
    // on, and the test raced it (it failed once in ~10 runs: the stale volume group held the new array).
    private const string AutoactivationRules = "69-lvm.rules 69-dm-lvm.rules 69-dm-lvm-metad.rules 69-lvm-metad.rules";

    private const string Build = """
        set -e
        for D in $SCRATCH0 $SCRATCH1; do sgdisk -n1:1M:+600M -t1:fd00 -c1:mdpv $D >/dev/null; done
        partx -u $SCRATCH0 2>/dev/null || true; partx -u $SCRATCH1 2>/dev/null || true; udevadm settle
        mdadm --create /dev/md/inplace --name=inplace --level=1 --raid-devices=2 --metadata=1.2 --run --assume-clean ${SCRATCH0}1 ${SCRATCH1}1 >/dev/null 2>&1
        udevadm settle
        pvcreate -q /dev/md/inplace; vgcreate -q vgin /dev/md/inplace; lvcreate -q -y -n data -L 200M vgin
        mkfs.ext4 -q -L indata /dev/vgin/data
        mkdir -p /mnt/in; mount /dev/vgin/data /mnt/in; echo old > /mnt/in/old; umount /mnt/in
        mkcdrec layout save --disk $SCRATCH0 --disk $SCRATCH1 -o /tmp/src-inplace.json >/dev/null
        # Everything stopped, as after a power cut or in a rescue system that assembled nothing: the disks keep it all.
        vgchange -q -an vgin >/dev/null; mdadm --stop /dev/md/inplace >/dev/null 2>&1; udevadm settle
        """;

    [Fact]
    public void An_md_lvm_layout_is_recreated_on_the_disks_that_still_hold_it()
    {
        var vm = fixture.Vm;
        fixture.WipeDisks();
        vm.RunChecked(Build, TimeSpan.FromMinutes(8));
        vm.RunChecked($"for r in {AutoactivationRules}; do ln -sf /dev/null /etc/udev/rules.d/$r; done; udevadm control --reload");
        GuestResult r;
        try
        {
            r = vm.Run("""
            mkcdrec recover --layout /tmp/src-inplace.json --layout-only --no-mount --yes --map $SCRATCH0=$SCRATCH0 --map $SCRATCH1=$SCRATCH1 --journal /tmp/j-inplace.json 2>&1
            rc=$?
            echo "PVS: $(pvs --noheadings -o pv_name,vg_name 2>/dev/null | tr -s ' ')"
            echo "FS: $(blkid -o value -s LABEL /dev/vgin/data 2>/dev/null)"
            vgchange -q -an vgin >/dev/null 2>&1; mdadm --stop /dev/md/inplace >/dev/null 2>&1; rm -f /tmp/j-inplace.json
            exit $rc
            """, TimeSpan.FromMinutes(8));
        }
        finally
        {
            vm.Run($"for r in {AutoactivationRules}; do rm -f /etc/udev/rules.d/$r; done; udevadm control --reload");
            fixture.WipeDisks();
        }

        Assert.True(r.ExitCode == 0, $"the recreation on the disks that still hold the layout failed (exit {r.ExitCode}):\n{HostProcess.Tail(r.Stdout + r.Stderr, 4000)}");
        Assert.Contains("then clear old signatures in it", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("vgin", r.Stdout.Split('\n').Single(l => l.StartsWith("PVS:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal("FS: indata", r.Stdout.Split('\n').Single(l => l.StartsWith("FS:", StringComparison.Ordinal)).Trim());
    }
}
