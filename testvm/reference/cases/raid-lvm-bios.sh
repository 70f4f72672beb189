# Matrix case 1: BIOS, two disks, md RAID1 (metadata 1.2) holding one LVM volume group: root (ext4, /boot inside it,
# so GRUB reads LVM on RAID), /var, a swap LV, and /srv on a thin LV in a thin pool; GRUB in the MBR of both disks.
# The VG keeps about 500 MiB free, so the layout also fits disks a little smaller than the source's.
FIRMWARE=bios
DISK_MB=(2560 2560)
EXTRA_PACKAGES=(mdadm lvm2 thin-provisioning-tools)

case_ids() {
    preset MD_UUID "$(new_uuid)"; preset ROOT_UUID "$(new_uuid)"; preset VAR_UUID "$(new_uuid)"
    preset SRV_UUID "$(new_uuid)"; preset SWAP_UUID "$(new_uuid)"; preset GRUB_ROOT /dev/mapper/refvg-root
    # As Debian's installer writes it for LVM: device-mapper names, which a recovery must keep valid.
    FSTAB="/dev/mapper/refvg-root / ext4 errors=remount-ro 0 1
/dev/mapper/refvg-var /var ext4 defaults 0 2
/dev/mapper/refvg-srv /srv ext4 defaults 0 2
/dev/mapper/refvg-swap none swap sw 0 0"
    RESUME=/dev/mapper/refvg-swap
    fact ROOT_UUID "$ROOT_UUID"; fact MD_UUID "$(md_uuid "$MD_UUID")"
}

# mdadm.conf as `mdadm --detail --scan` writes it, from the UUID chosen above.
case_configure() {
    mkdir -p "$root/etc/mdadm"
    printf 'HOMEHOST <system>\nMAILADDR root\nARRAY /dev/md/ref-sys metadata=1.2 name=mkcdrec-ref:ref-sys UUID=%s\n' "$(md_uuid "$MD_UUID")" \
        >"$root/etc/mdadm/mdadm.conf"
}

case_disks() {
    local d md=/dev/md0
    for d in "${disks[@]}"; do
        sgdisk -n1:1M:+1M -t1:ef02 -c1:biosboot -n2:0:0 -t2:fd00 -c2:raid "$d" >/dev/null
        partx -u "$d" 2>/dev/null || true
    done
    settle
    mdadm --create "$md" --run --level=1 --raid-devices=2 --metadata=1.2 --homehost=mkcdrec-ref --name=ref-sys \
        --uuid="$MD_UUID" --assume-clean "$(part "${disks[0]}" 2)" "$(part "${disks[1]}" 2)" >&2
    lvm pvcreate -q "$md"
    lvm vgcreate -q refvg "$md"
    lvm lvcreate -q -y -L 1152M -n root refvg
    lvm lvcreate -q -y -L 512M -n var refvg
    lvm lvcreate -q -y -L 128M -n swap refvg
    lvm lvcreate -q -y -L 256M --type thin-pool -n pool refvg
    lvm lvcreate -q -y -V 1G --thin -n srv refvg/pool
    mkfs.ext4 -q -L refroot -U "$ROOT_UUID" /dev/mapper/refvg-root
    mkfs.ext4 -q -L refvar -U "$VAR_UUID" /dev/mapper/refvg-var
    mkfs.ext4 -q -L refsrv -U "$SRV_UUID" /dev/mapper/refvg-srv
    mkswap -q -L refswap -U "$SWAP_UUID" /dev/mapper/refvg-swap >/dev/null
    mount /dev/mapper/refvg-root "$root"
    mkdir -p "$root/var" "$root/srv"
    mount /dev/mapper/refvg-var "$root/var"
    mount /dev/mapper/refvg-srv "$root/srv"
    fact VG_UUID "$(lvm vgs --noheadings -o vg_uuid refvg | tr -d ' ')"
}

case_bootloader() {
    bios_grub_on "${disks[@]}"
}

case_teardown() {
    lvm vgchange -q -an refvg >/dev/null 2>&1 || true
    mdadm --stop /dev/md0 >/dev/null 2>&1 || true
}
