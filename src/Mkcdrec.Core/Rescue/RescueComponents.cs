using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Rescue;

/// <summary>
/// The one explicit list of rescue-system components (no reflection): the rescue system's own (base tools, drivers,
/// sshd, keymap) here, what a storage or boot technology needs in that technology's folder. The builder takes the union.
/// </summary>
public static class RescueComponents
{
    public static readonly RescueComponent Base = new("base", "shell, base tools, module loading, device manager, the dynamic loader")
    {
        Programs =
        [
            new RescueProgram("busybox", "busybox-static"),
            new RescueProgram("kmod", "kmod") { Links = ["modprobe", "insmod", "rmmod", "lsmod", "depmod", "modinfo"] },
            SharedPrograms.Udevadm,
            new RescueProgram("systemd-udevd", "udev") { Paths = ["/usr/lib/systemd/systemd-udevd", "/lib/systemd/systemd-udevd"] },
            new RescueProgram("blkid", "util-linux"),
            new RescueProgram("lsblk", "util-linux"),
            SharedPrograms.Mount,
            SharedPrograms.Umount,
            new RescueProgram("findmnt", "util-linux") { AlwaysOptional = true },
            new RescueProgram("sfdisk", "fdisk") { AlwaysOptional = true },
            new RescueProgram("fdisk", "fdisk") { AlwaysOptional = true },
            new RescueProgram("sgdisk", "gdisk") { AlwaysOptional = true },
            new RescueProgram("ldconfig", "libc-bin") { AlwaysOptional = true },
            // udev's helpers for the by-id names of ATA, SCSI and CD devices.
            new RescueProgram("ata_id", "udev") { Paths = ["/usr/lib/udev/ata_id", "/lib/udev/ata_id"], AlwaysOptional = true },
            new RescueProgram("scsi_id", "udev") { Paths = ["/usr/lib/udev/scsi_id", "/lib/udev/scsi_id"], AlwaysOptional = true },
            new RescueProgram("cdrom_id", "udev") { Paths = ["/usr/lib/udev/cdrom_id", "/lib/udev/cdrom_id"], AlwaysOptional = true },
        ],
        DataPaths = ["/etc/ld.so.conf", "/etc/ld.so.conf.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d", "/etc/udev/udev.conf"],
        // Rules that would assemble or activate old RAID/LVM found on the target disks (keeping them busy), or need systemd.
        ExcludePaths =
        [
            "/usr/lib/udev/rules.d/64-md-raid-assembly.rules", "/usr/lib/udev/rules.d/69-md-clustered-confirm-device.rules",
            "/usr/lib/udev/rules.d/69-lvm.rules", "/usr/lib/udev/rules.d/96-e2scrub.rules", "/usr/lib/udev/rules.d/99-systemd.rules",
            "/lib/udev/rules.d/64-md-raid-assembly.rules", "/lib/udev/rules.d/69-md-clustered-confirm-device.rules",
            "/lib/udev/rules.d/69-lvm.rules", "/lib/udev/rules.d/96-e2scrub.rules", "/lib/udev/rules.d/99-systemd.rules",
        ],
        // .NET's crypto (the archive engine's SHA-256/AES) opens libssl at run time; glibc's thread cancellation opens libgcc_s.
        // and the archive engine opens the system's libzstd.so.1 (multi-threaded zstd).
        DlopenLibraries = ["libssl.so.3", "libcrypto.so.3", "libgcc_s.so.1", "libzstd.so.1"],
        RequiredWhen = _ => true,
    };

    public static readonly RescueComponent Storage = new("storage", "disk, CD/DVD and USB storage drivers")
    {
        Modules =
        [
            "virtio_pci", "virtio_blk", "virtio_scsi", "virtio_mmio", "ahci", "ata_piix", "ata_generic", "pata_acpi", "nvme", "sd_mod", "sr_mod",
            "cdrom", "sg", "scsi_mod", "usb_storage", "uas", "xhci_pci", "xhci_hcd", "ehci_pci", "ehci_hcd", "ohci_pci", "uhci_hcd",
            "mptsas", "mptspi", "mpt3sas", "megaraid_sas", "hpsa", "aacraid", "vmw_pvscsi", "hv_storvsc", "xen_blkfront", "mmc_block",
            "sdhci_pci", "loop",
        ],
        RequiredWhen = _ => true,
    };

    // The drivers of the rescue system's own media and backup disks (ISO, USB stick, ESP, squashfs/overlay root) and the
    // checksum/charset helpers; the drivers only a layout's filesystems need are listed by their technologies.
    public static readonly RescueComponent Filesystems = new("filesystems", "filesystem drivers and their checksum/charset helpers")
    {
        Modules =
        [
            "ext4", "vfat", "msdos", "isofs", "udf", "squashfs", "overlay", "efivarfs", "nls_cp437", "nls_iso8859_1",
            "nls_utf8", "nls_ascii", "crc32c", "crc32c_intel", "crc32c_generic", "libcrc32c",
        ],
        BootModules = ["ext4", "vfat", "isofs", "nls_cp437", "nls_iso8859_1", "nls_utf8", "efivarfs"],
    };

    public static readonly RescueComponent Network = new("network", "network drivers (DHCP and addresses: busybox udhcpc and ip)")
    {
        Modules =
        [
            "virtio_net", "e1000", "e1000e", "igb", "igc", "ixgbe", "i40e", "r8169", "tg3", "bnx2", "bnxt_en", "vmxnet3", "hv_netvsc",
            "xen_netfront", "8139cp", "8139too", "pcnet32", "ne2k_pci", "atlantic", "cdc_ether", "r8152", "ax88179_178a", "af_packet",
        ],
        Programs = [new RescueProgram("ethtool", "ethtool") { AlwaysOptional = true }],
        // The CA bundle, for `mkcdrec fetch https://…` (.NET reads OpenSSL's default file, /usr/lib/ssl/cert.pem on Debian).
        DataPaths = ["/usr/lib/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt"],
    };

    public static readonly RescueComponent Input = new("input", "keyboards (PS/2, USB, virtio, Hyper-V)")
    {
        Modules = ["atkbd", "i8042", "usbhid", "hid_generic", "hid", "virtio_input", "hyperv_keyboard", "evdev"],
    };

    public static readonly RescueComponent Sshd = new("sshd", "OpenSSH server for remote recovery (public-key login only)")
    {
        Programs = [new RescueProgram("sshd", "openssh-server"), new RescueProgram("ssh-keygen", "openssh-client")],
        DataPaths = ["/usr/lib/openssh/sshd-session"],
        IncludedWhen = n => n.Sshd,
        RequiredWhen = n => n.Sshd,
    };

    // mount.nfs (not busybox's mount): it asks the server's rpcbind, negotiates the version and takes hostnames. No
    // rpcbind or rpc.statd here: mkcdrec mounts with nolock.
    public static readonly RescueComponent NfsClient = new("nfs", "NFS client (v3 and v4) for backups on an NFS export")
    {
        Programs = [new RescueProgram("mount.nfs", "nfs-common") { Links = ["mount.nfs4", "umount.nfs", "umount.nfs4"] }],
        Modules = ["nfs", "nfsv3", "nfsv4", "sunrpc", "lockd", "grace", "nfs_acl", "auth_rpcgss", "dns_resolver", "fscache", "netfs"],
        DataPaths = ["/etc/netconfig", "/etc/protocols"], // mount.nfs looks up proto=tcp by name
        IncludedWhen = n => n.Reaches("nfs"),
        RequiredWhen = n => n.Reaches("nfs"),
    };

    // OpenSSH's client for sftp:// (mkcdrec speaks SFTP over `ssh -s`). Keys and known_hosts come from the keys medium
    // at recovery time, never from this machine.
    public static readonly RescueComponent SshClient = new("ssh", "OpenSSH client for backups on an SFTP server")
    {
        Programs = [new RescueProgram("ssh", "openssh-client")],
        IncludedWhen = n => n.Reaches("sftp"),
        RequiredWhen = n => n.Reaches("sftp"),
    };

    public static readonly RescueComponent Keymap = new("keymap", "the console keymap")
    {
        Programs = [new RescueProgram("loadkeys", "kbd") { AlwaysOptional = true }],
        DataPaths = ["/etc/console-setup/cached_UTF-8_del.kmap.gz"],
    };

    /// <summary>
    /// Every component, in the order they are added: the rescue system's own drivers and tools, then what each storage
    /// and boot technology needs (registry order, so md's boot module loads before LVM's), then network, input, sshd, the NFS and SSH clients, keymap.
    /// </summary>
    public static readonly IReadOnlyList<RescueComponent> All =
        [Base, Storage, Filesystems, .. Technologies.Storage.SelectMany(t => t.RescueComponents), Network, Input, Sshd, NfsClient, SshClient, Keymap];
}
