# Matrix case 4: UEFI, two disks, the ESP on md RAID1 with metadata 1.0 (at the end, so the firmware reads each half as
# a plain FAT partition) and / on md RAID1 (metadata 1.2), a swap partition on each disk. ReaR's open bug #3459: no
# boot loader gets installed on such an ESP. The recovery must put the loader on both halves and an NVRAM entry for
# each disk.
FIRMWARE=uefi
DISK_MB=(2560 2560)
EXTRA_PACKAGES=(mdadm efibootmgr mtools)

case_ids() {
    preset ROOT_MD_UUID "$(new_uuid)"; preset ESP_MD_UUID "$(new_uuid)"; preset ROOT_UUID "$(new_uuid)"
    preset ESP_ID "$(new_fat_id)"; preset SWAP0_UUID "$(new_uuid)"; preset SWAP1_UUID "$(new_uuid)"
    preset GRUB_ROOT "UUID=$ROOT_UUID"
    FSTAB="UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1
UUID=${ESP_ID:0:4}-${ESP_ID:4:4} /boot/efi vfat umask=0077 0 1
UUID=$SWAP0_UUID none swap sw,pri=1 0 0
UUID=$SWAP1_UUID none swap sw,pri=1 0 0"
    fact ROOT_UUID "$ROOT_UUID"
}

case_configure() {
    mkdir -p "$root/etc/mdadm"
    printf 'HOMEHOST <system>\nMAILADDR root\nARRAY /dev/md/ref-root metadata=1.2 name=mkcdrec-ref:ref-root UUID=%s\nARRAY /dev/md/ref-esp metadata=1.0 name=mkcdrec-ref:ref-esp UUID=%s\n' \
        "$(md_uuid "$ROOT_MD_UUID")" "$(md_uuid "$ESP_MD_UUID")" >"$root/etc/mdadm/mdadm.conf"
}

case_disks() {
    local d
    for d in "${disks[@]}"; do
        sgdisk -n1:1M:+64M -t1:ef00 -c1:esp -n2:0:-128M -t2:fd00 -c2:root -n3:0:0 -t3:8200 -c3:swap "$d" >/dev/null
        partx -u "$d" 2>/dev/null || true
    done
    settle
    mdadm --create /dev/md1 --run --level=1 --raid-devices=2 --metadata=1.0 --homehost=mkcdrec-ref --name=ref-esp \
        --uuid="$ESP_MD_UUID" --assume-clean "$(part "${disks[0]}" 1)" "$(part "${disks[1]}" 1)" >&2
    mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --homehost=mkcdrec-ref --name=ref-root \
        --uuid="$ROOT_MD_UUID" --assume-clean "$(part "${disks[0]}" 2)" "$(part "${disks[1]}" 2)" >&2
    mkfs.vfat -F 32 -n REFESP -i "$ESP_ID" /dev/md1 >/dev/null
    mkfs.ext4 -q -L refroot -U "$ROOT_UUID" /dev/md0
    mkswap -q -L refswap0 -U "$SWAP0_UUID" "$(part "${disks[0]}" 3)" >/dev/null
    mkswap -q -L refswap1 -U "$SWAP1_UUID" "$(part "${disks[1]}" 3)" >/dev/null
    mount /dev/md0 "$root"
}

case_bootloader() {
    uefi_grub_on_esp /dev/md1 "$ROOT_UUID" /boot/grub mdraid1x
}

case_teardown() {
    mdadm --stop /dev/md0 /dev/md1 >/dev/null 2>&1 || true
}
