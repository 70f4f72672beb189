# Matrix case 3: UEFI, btrfs root on one disk: subvolumes @ (/), @home and @var_log, a read-only snapshot of @, the
# default subvolume set to @, compress=zstd in fstab (as the installers of openSUSE and Ubuntu lay it out); an ESP and
# a swap partition beside it.
FIRMWARE=uefi
DISK_MB=(2560)
EXTRA_PACKAGES=(btrfs-progs)

case_ids() {
    preset BTRFS_UUID "$(new_uuid)"; preset ESP_ID "$(new_fat_id)"; preset SWAP_UUID "$(new_uuid)"
    preset GRUB_ROOT "UUID=$BTRFS_UUID"
    FSTAB="UUID=$BTRFS_UUID / btrfs defaults,compress=zstd,subvol=@ 0 0
UUID=$BTRFS_UUID /home btrfs defaults,compress=zstd,subvol=@home 0 0
UUID=$BTRFS_UUID /var/log btrfs defaults,compress=zstd,subvol=@var_log 0 0
UUID=${ESP_ID:0:4}-${ESP_ID:4:4} /boot/efi vfat umask=0077 0 1
UUID=$SWAP_UUID none swap sw 0 0"
    RESUME=UUID=$SWAP_UUID
    fact ROOT_UUID "$BTRFS_UUID"; fact SWAP_UUID "$SWAP_UUID"
}

case_disks() {
    local d=${disks[0]} dev top=/mnt/btrfs-top
    sgdisk -n1:1M:+64M -t1:ef00 -c1:esp -n2:0:-256M -t2:8300 -c2:root -n3:0:0 -t3:8200 -c3:swap "$d" >/dev/null
    partx -u "$d" 2>/dev/null || true; settle
    dev=$(part "$d" 2)
    mkfs.vfat -F 32 -n REFESP -i "$ESP_ID" "$(part "$d" 1)" >/dev/null
    mkfs.btrfs -q -L refbtrfs -U "$BTRFS_UUID" "$dev"
    mkswap -q -L refswap -U "$SWAP_UUID" "$(part "$d" 3)" >/dev/null
    mkdir -p "$top" && mount "$dev" "$top"
    btrfs -q subvolume create "$top/@"; btrfs -q subvolume create "$top/@home"; btrfs -q subvolume create "$top/@var_log"
    btrfs subvolume set-default "$top/@"
    umount "$top"
    mount -o compress=zstd,subvol=@ "$dev" "$root"
    mkdir -p "$root/home" "$root/var/log"
    mount -o compress=zstd,subvol=@home "$dev" "$root/home"
    mount -o compress=zstd,subvol=@var_log "$dev" "$root/var/log"
}

case_bootloader() {
    uefi_grub_on_esp "$(part "${disks[0]}" 1)" "$BTRFS_UUID" /@/boot/grub btrfs zstd
}

# After the system is complete: a read-only snapshot of @ beside it, as snapper or timeshift would keep one.
case_teardown() {
    local top=/mnt/btrfs-top
    mount -o subvolid=5 "$(part "${disks[0]}" 2)" "$top"
    btrfs -q subvolume snapshot -r "$top/@" "$top/@snapshot-ro"
    umount "$top"
}
