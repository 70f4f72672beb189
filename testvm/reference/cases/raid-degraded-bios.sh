# Matrix case 6: a degraded source. A BIOS server whose root mirror (md RAID1, metadata 1.2, /boot inside) runs on one
# disk when the backup is made: its second disk has died and been pulled, as happens before the one that is left
# fails too. The recovery gets two blank disks: by default it brings the mirror back healthy on both (a copy of the
# surviving disk's layout on the second, GRUB on both); with --keep-degraded it recreates it as it was.
FIRMWARE=bios
DISK_MB=(2560)
EXTRA_PACKAGES=(mdadm)

case_ids() {
    preset MD_UUID "$(new_uuid)"; preset ROOT_UUID "$(new_uuid)"; preset SWAP_UUID "$(new_uuid)"
    preset GRUB_ROOT "UUID=$ROOT_UUID"
    FSTAB="UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1
UUID=$SWAP_UUID none swap sw 0 0"
    RESUME=UUID=$SWAP_UUID
    fact ROOT_UUID "$ROOT_UUID"; fact MD_UUID "$(md_uuid "$MD_UUID")"
}

case_configure() {
    mkdir -p "$root/etc/mdadm"
    printf 'HOMEHOST <system>\nMAILADDR root\nARRAY /dev/md/ref-root metadata=1.2 name=mkcdrec-ref:ref-root UUID=%s\n' "$(md_uuid "$MD_UUID")" \
        >"$root/etc/mdadm/mdadm.conf"
}

case_disks() {
    local d=${disks[0]}
    sgdisk -n1:1M:+1M -t1:ef02 -c1:biosboot -n2:0:-160M -t2:fd00 -c2:root -n3:0:0 -t3:8200 -c3:swap "$d" >/dev/null
    partx -u "$d" 2>/dev/null || true; settle
    # The second half is "missing": the array runs degraded from the start, as after a pulled disk.
    mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --homehost=mkcdrec-ref --name=ref-root \
        --uuid="$MD_UUID" "$(part "$d" 2)" missing >&2
    mkfs.ext4 -q -L refroot -U "$ROOT_UUID" /dev/md0
    mkswap -q -L refswap -U "$SWAP_UUID" "$(part "$d" 3)" >/dev/null
    mount /dev/md0 "$root"
}

case_bootloader() {
    bios_grub_on "${disks[0]}"
}

case_teardown() {
    mdadm --stop /dev/md0 >/dev/null 2>&1 || true
}
