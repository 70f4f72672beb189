using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.TestVm;

namespace Mkcdrec.MatrixTests;

/// <summary>The key file's content is a fact of the case file (testvm/reference/cases/devnames-bios.sh): a test system's.</summary>
public sealed class DevnamesBios() : MatrixCase("devnames-bios", luksKeyFact: "DATA_KEY")
{
    /// <summary>What a move to other device names rewrites (each kept beside as .mkcdrec-orig), and the initramfs rebuilt with them.</summary>
    protected override IReadOnlyList<(string Path, string Why)> ExtraVolatile =>
    [
        .. new[] { "/etc/fstab", "/etc/crypttab", "/etc/mdadm/mdadm.conf", "/etc/default/grub", "/etc/initramfs-tools/conf.d/resume" }
            .SelectMany(f => new[] { (f, "names the devices: rewritten for the new names"), (ConfigFileRewriter.OriginalOf(f), "the original, kept by the rewrite") }),
        .. Before.Lines.Select(Inventory.PathOf).Where(p => p.StartsWith("/boot/initrd.img-", StringComparison.Ordinal)).Distinct()
            .Select(p => (p, "rebuilt with the rewritten mdadm.conf and resume device")),
    ];
}

/// <summary>
/// Matrix case 5: new hardware. The source runs on virtio disks and names its devices by kernel name everywhere (fstab,
/// crypttab, mdadm.conf, the initramfs's resume device, GRUB's root= and resume=); the target has NVMe disks. The
/// recovered system must come up with every one of those references following the move, and none left naming /dev/vd*.
/// </summary>
[Trait("case", "devnames-bios")]
public sealed class NewHardwareTests(DevnamesBios source) : IClassFixture<DevnamesBios>
{
    // Every configuration file that names devices, the kernel's command line, and what came up from them.
    private const string NamesReport = """
        #!/bin/sh
        echo "CMDLINE: $(cat /proc/cmdline)"
        echo "ROOT: $(findmnt -n -o SOURCE /)"
        echo "SRV: $(findmnt -n -o SOURCE /srv)"
        echo "DATA: $(findmnt -n -o SOURCE /data)"
        echo "SWAP: $(swapon --noheadings --show=NAME 2>&1)"
        echo "DATA-FILE: $(cat /data/ledger.txt 2>&1)"
        cat /proc/mdstat
        for f in /etc/fstab /etc/crypttab /etc/mdadm/mdadm.conf /etc/default/grub /etc/initramfs-tools/conf.d/resume; do
            sed "s|^|CONF $f: |" "$f"
        done
        grep -h 'linux.*vmlinuz' /boot/grub/grub.cfg | sed 's/^/GRUBCFG /'
        # The initramfs's own configuration (mdadm.conf, every conf.d file it sources) as it will use it at the next boot;
        # unmkinitramfs puts it under main/ only when an early (microcode) archive precedes it.
        i=$(ls /boot/initrd.img-* | head -1); t=$(mktemp -d)
        unmkinitramfs "$i" "$t" || echo "UNMKINITRAMFS FAILED"
        for f in $(find "$t" -type f \( -path '*/etc/mdadm/mdadm.conf' -o -path '*/conf/conf.d/*' \)); do sed "s|^|INITRD ${f#$t} |" "$f"; done
        echo "STILL-VD: $(grep -rIl '/dev/vd' /etc /boot/grub/grub.cfg 2>/dev/null | grep -v '\.mkcdrec-orig$' | tr '\n' ' ')"
        echo "STILL-VD-INITRD: $(grep -rIl '/dev/vd' $(find "$t" -type d \( -path '*/etc' -o -path '*/conf' \)) 2>/dev/null | tr '\n' ' ')"
        """;

    [Fact]
    [Trait("slice", "devnames-bios")]
    public void Comes_back_on_nvme_disks_with_every_device_name_following()
    {
        var r = source.Recover("nvme", bus: VmDiskBus.Nvme);
        var job = r.RunJob("names", NamesReport);
        Assert.True(job.ExitCode == 0, $"the names report failed:\n{HostProcess.Tail(job.Console, 4000)}");
        var c = job.Console;
        // It came up from the NVMe disks: root, the mirror, the key-file container and swap.
        Assert.Matches(@"ROOT: /dev/nvme0n1p2\b", c);
        Assert.Matches(@"SRV: /dev/md\S*", c);
        Assert.Matches(@"md\S* : active raid1 nvme\S+ nvme\S+", c);
        Assert.Contains("[UU]", c, StringComparison.Ordinal);
        Assert.Contains("DATA: /dev/mapper/refdata", c, StringComparison.Ordinal);
        Assert.Contains("DATA-FILE: data on LUKS, opened with a key file", c, StringComparison.Ordinal);
        Assert.Matches(@"SWAP: /dev/nvme0n1p3\b", c);
        // Nothing names the old devices: not the files, not GRUB's menu, not the kernel command line, not the initramfs.
        Assert.Matches(@"STILL-VD: *\n", c + "\n");
        Assert.Matches(@"STILL-VD-INITRD: *\n", c + "\n");
        Assert.DoesNotMatch(@"CMDLINE: .*/dev/vd", c);
        Assert.Matches(@"CMDLINE: .*root=(/dev/nvme0n1p2|UUID=" + source.Reference.Facts["ROOT_UUID"] + ")", c);
        Assert.Matches(@"CMDLINE: .*resume=(/dev/nvme0n1p3|UUID=\S+)", c);
        Assert.Matches(@"CONF /etc/mdadm/mdadm.conf: DEVICE .*nvme0n1p4.*nvme1n1p1", c);
        Assert.Matches(@"INITRD \S*/etc/mdadm/mdadm.conf DEVICE .*nvme0n1p4.*nvme1n1p1", c);
        Assert.Matches(@"INITRD \S*/conf/conf.d/resume RESUME=UUID=", c);
        Assert.DoesNotMatch(@"INITRD \S*mkcdrec-orig", c); // an original kept in conf.d/ would be sourced at boot
        Assert.Matches(@"CONF /etc/crypttab: refdata\s+UUID=" + source.Reference.Facts["LUKS_UUID"] + @"\s+/etc/keys/data.key", c);
    }

    [Fact]
    public void Comes_back_on_larger_nvme_disks()
    {
        var sizes = source.Reference.DiskSizes.Select(s => s / 2 * 3 / Size.MiB(1) * Size.MiB(1)).ToList();
        var r = source.Recover("nvme-1.5x", sizes, VmDiskBus.Nvme);
        Assert.Equal(sizes, r.DiskSizes);
    }
}
