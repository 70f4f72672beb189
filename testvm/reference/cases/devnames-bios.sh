# Matrix case 5: new hardware. A BIOS server on virtio disks whose configuration names its devices by kernel name, as
# older installs and hand-edited servers do: fstab mounts /dev/vda2 and swaps on /dev/vda3, crypttab opens /dev/vdb2
# with a key file, mdadm.conf lists DEVICE /dev/vda4 /dev/vdb1 and devices=, the initramfs resumes from /dev/vda3,
# and GRUB boots root=/dev/vda2 (GRUB_DISABLE_LINUX_UUID) with resume=/dev/vda3. The test recovers it onto NVMe disks
# (nvme0n1, nvme1n1): every one of those references must follow, or the recovered system does not come up.
FIRMWARE=bios
DISK_MB=(2560 1024)
EXTRA_PACKAGES=(mdadm cryptsetup)
GRUB_EXTRA_CMDLINE=resume=/dev/vda3

case_ids() {
    preset ROOT_UUID "$(new_uuid)"; preset SWAP_UUID "$(new_uuid)"; preset MD_UUID "$(new_uuid)"
    preset SRV_UUID "$(new_uuid)"; preset LUKS_UUID "$(new_uuid)"; preset DATA_UUID "$(new_uuid)"
    # The data container's key file, kept in /etc/keys as such servers do (printable, so it travels in ids.env).
    preset DATA_KEY "$(new_uuid)$(new_uuid)"
    preset GRUB_ROOT /dev/vda2
    FSTAB="/dev/vda2 / ext4 errors=remount-ro 0 1
/dev/md0 /srv ext4 defaults 0 2
/dev/mapper/refdata /data ext4 defaults 0 2
/dev/vda3 none swap sw 0 0"
    RESUME=/dev/vda3
    fact ROOT_UUID "$ROOT_UUID"; fact LUKS_UUID "$LUKS_UUID"; fact DATA_KEY "$DATA_KEY"; fact MD_UUID "$(md_uuid "$MD_UUID")"
}

case_configure() {
    mkdir -p "$root/etc/mdadm" "$root/etc/keys" "$root/data"
    printf 'DEVICE /dev/vda4 /dev/vdb1\nHOMEHOST <system>\nMAILADDR root\nARRAY /dev/md0 metadata=1.2 name=mkcdrec-ref:ref-srv UUID=%s devices=/dev/vda4,/dev/vdb1\n' \
        "$(md_uuid "$MD_UUID")" >"$root/etc/mdadm/mdadm.conf"
    printf '%s' "$DATA_KEY" >"$root/etc/keys/data.key"
    chmod 700 "$root/etc/keys"; chmod 400 "$root/etc/keys/data.key"
    printf 'refdata /dev/vdb2 /etc/keys/data.key luks\n' >"$root/etc/crypttab"
    printf 'data on LUKS, opened with a key file\n' >"$root/data/ledger.txt"
    echo GRUB_DISABLE_LINUX_UUID=true >>"$root/etc/default/grub"
}

case_disks() {
    local a=${disks[0]} b=${disks[1]} key=/run/mkcdrec-ref.key
    sgdisk -n1:1M:+1M -t1:ef02 -c1:biosboot -n2:0:+1700M -t2:8300 -c2:root -n3:0:+128M -t3:8200 -c3:swap \
           -n4:0:0 -t4:fd00 -c4:srv0 "$a" >/dev/null
    sgdisk -n1:1M:+700M -t1:fd00 -c1:srv1 -n2:0:0 -t2:8309 -c2:data "$b" >/dev/null
    partx -u "$a" 2>/dev/null || true; partx -u "$b" 2>/dev/null || true; settle
    mkfs.ext4 -q -L refroot -U "$ROOT_UUID" "$(part "$a" 2)"
    mkswap -q -L refswap -U "$SWAP_UUID" "$(part "$a" 3)" >/dev/null
    mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --homehost=mkcdrec-ref --name=ref-srv \
        --uuid="$MD_UUID" --assume-clean "$(part "$a" 4)" "$(part "$b" 1)" >&2
    mkfs.ext4 -q -L refsrv -U "$SRV_UUID" /dev/md0
    printf '%s' "$DATA_KEY" >"$key"
    cryptsetup luksFormat -q --type luks2 --uuid "$LUKS_UUID" --label refdata --pbkdf argon2id --pbkdf-memory 65536 \
        --pbkdf-force-iterations 4 --pbkdf-parallel 1 --key-file "$key" "$(part "$b" 2)"
    cryptsetup open --key-file "$key" "$(part "$b" 2)" refdata
    rm -f "$key"
    mkfs.ext4 -q -L refdata -U "$DATA_UUID" /dev/mapper/refdata
    mount "$(part "$a" 2)" "$root"
    mkdir -p "$root/srv" "$root/data"
    mount /dev/md0 "$root/srv"
    mount /dev/mapper/refdata "$root/data"
}

case_bootloader() {
    bios_grub_on "${disks[0]}"
}

# grub-mkconfig ran in the build guest, where the root is $(part disks[0] 2): the server itself knows it as /dev/vda2.
case_grub_config() {
    sed -i "s|root=$(part "${disks[0]}" 2)|root=/dev/vda2|" "$root/boot/grub/grub.cfg"
}

case_teardown() {
    cryptsetup close refdata 2>/dev/null || true
    mdadm --stop /dev/md0 >/dev/null 2>&1 || true
}
