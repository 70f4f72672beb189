# Matrix case 2: UEFI, root inside LUKS2, as Debian's installer lays out "guided, encrypted LVM": p1 ESP, p2 /boot
# (ext4, outside the container so GRUB needs no cryptodisk), p3 LUKS2 holding the volume group refvg (root, swap).
# The recovered system's own initramfs unlocks the container at boot: the test answers the passphrase prompt on the
# serial console. Argon2id with a small memory cost keeps an unlock under TCG in seconds, and proves the PBKDF
# parameters come back as they were (a recovery that let cryptsetup benchmark would choose others). A second keyslot
# (a key file the system keeps in /etc/keys) is only kept by an encrypted backup's LUKS headers: the test backs up
# with --encrypt and checks both keys, and that luksDump is the same byte for byte.
FIRMWARE=uefi
DISK_MB=(2560)
EXTRA_PACKAGES=(cryptsetup cryptsetup-initramfs lvm2)
LUKS_PASSPHRASE='correct horse battery staple'   # a test system's passphrase; the test gives it as a keys medium

case_ids() {
    preset LUKS_UUID "$(new_uuid)"; preset BOOT_UUID "$(new_uuid)"; preset ROOT_UUID "$(new_uuid)"
    preset SWAP_UUID "$(new_uuid)"; preset ESP_ID "$(new_fat_id)"; preset GRUB_ROOT /dev/mapper/refvg-root
    preset SECOND_KEY "$(new_uuid)"
    FSTAB="/dev/mapper/refvg-root / ext4 errors=remount-ro 0 1
UUID=$BOOT_UUID /boot ext4 defaults 0 2
UUID=${ESP_ID:0:4}-${ESP_ID:4:4} /boot/efi vfat umask=0077 0 1
/dev/mapper/refvg-swap none swap sw 0 0"
    RESUME=/dev/mapper/refvg-swap
    fact LUKS_UUID "$LUKS_UUID"; fact ROOT_UUID "$ROOT_UUID"
}

# crypttab as the installer writes it, plus `initramfs`: the system tree's initramfs is built on the host, whose root
# is not encrypted, so the hook would not find the container by the mounted root alone.
case_configure() {
    printf 'refcrypt UUID=%s none luks,discard,initramfs\n' "$LUKS_UUID" >"$root/etc/crypttab"
    chmod 600 "$root/etc/crypttab"
    mkdir -p "$root/etc/keys"
    printf '%s' "$SECOND_KEY" >"$root/etc/keys/second.key"
    chmod 400 "$root/etc/keys/second.key"
}

case_disks() {
    local d=${disks[0]} key=/run/mkcdrec-ref.key
    sgdisk -n1:1M:+64M -t1:ef00 -c1:esp -n2:0:+256M -t2:8300 -c2:boot -n3:0:0 -t3:8309 -c3:crypt "$d" >/dev/null
    partx -u "$d" 2>/dev/null || true; settle
    mkfs.vfat -F 32 -n REFESP -i "$ESP_ID" "$(part "$d" 1)" >/dev/null
    mkfs.ext4 -q -L refboot -U "$BOOT_UUID" "$(part "$d" 2)"
    printf '%s' "$LUKS_PASSPHRASE" >"$key"
    cryptsetup luksFormat -q --type luks2 --uuid "$LUKS_UUID" --label refcrypt --cipher aes-xts-plain64 --key-size 512 \
        --hash sha256 --pbkdf argon2id --pbkdf-memory 65536 --pbkdf-force-iterations 4 --pbkdf-parallel 1 \
        --key-file "$key" "$(part "$d" 3)"
    printf '%s' "$SECOND_KEY" >/run/mkcdrec-ref-second.key
    cryptsetup luksAddKey -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$key" "$(part "$d" 3)" /run/mkcdrec-ref-second.key
    rm -f /run/mkcdrec-ref-second.key
    cryptsetup open --key-file "$key" "$(part "$d" 3)" refcrypt
    rm -f "$key"
    fact LUKS_DUMP_SHA "$(cryptsetup luksDump "$(part "$d" 3)" | sha256sum | cut -c1-64)"
    lvm pvcreate -q /dev/mapper/refcrypt
    lvm vgcreate -q refvg /dev/mapper/refcrypt
    lvm lvcreate -q -y -L 1500M -n root refvg
    lvm lvcreate -q -y -L 160M -n swap refvg
    mkfs.ext4 -q -L refroot -U "$ROOT_UUID" /dev/mapper/refvg-root
    mkswap -q -L refswap -U "$SWAP_UUID" /dev/mapper/refvg-swap >/dev/null
    mount /dev/mapper/refvg-root "$root"
    mkdir -p "$root/boot"
    mount "$(part "$d" 2)" "$root/boot"
    fact VG_UUID "$(lvm vgs --noheadings -o vg_uuid refvg | tr -d ' ')"
}

case_bootloader() {
    uefi_grub_on_esp "$(part "${disks[0]}" 1)" "$BOOT_UUID" /grub
}

case_teardown() {
    lvm vgchange -q -an refvg >/dev/null 2>&1 || true
    cryptsetup close refcrypt 2>/dev/null || true
}
