# Matrix case 7: disk mapping under pressure. BIOS, one disk with an MBR partition table as older installers made it:
# a primary / (bootable), and in an extended partition a logical /home and a logical swap. mkbackup keeps the backup
# on a USB disk as large as the system disk (--backup-dir); at recovery that disk is attached beside the blank ones
# (ReaR #1271 overwrote it) and must never be chosen, nor written.
FIRMWARE=bios
DISK_MB=(2560)

case_ids() {
    preset ROOT_UUID "$(new_uuid)"; preset HOME_UUID "$(new_uuid)"; preset SWAP_UUID "$(new_uuid)"
    preset GRUB_ROOT "UUID=$ROOT_UUID"
    FSTAB="UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1
UUID=$HOME_UUID /home ext4 defaults 0 2
UUID=$SWAP_UUID none swap sw 0 0"
    RESUME=UUID=$SWAP_UUID
    fact ROOT_UUID "$ROOT_UUID"; fact HOME_UUID "$HOME_UUID"; fact SWAP_UUID "$SWAP_UUID"
}

case_disks() {
    local d=${disks[0]} n
    sfdisk -q "$d" >/dev/null <<SFDISK
label: dos
start=2048, size=1700MiB, type=83, bootable
type=5
size=512MiB, type=83
type=82
SFDISK
    partx -u "$d" 2>/dev/null || true; settle
    for n in 1 5 6; do [ -b "$(part "$d" $n)" ] || { log "no partition node $(part "$d" $n)"; exit 1; }; done
    mkfs.ext4 -q -L refroot -U "$ROOT_UUID" "$(part "$d" 1)"
    mkfs.ext4 -q -L refhome -U "$HOME_UUID" "$(part "$d" 5)"
    mkswap -q -L refswap -U "$SWAP_UUID" "$(part "$d" 6)" >/dev/null
    mount "$(part "$d" 1)" "$root"
    mkdir -p "$root/home"
    mount "$(part "$d" 5)" "$root/home"
}

case_bootloader() {
    bios_grub_on "${disks[0]}"
}
