# Matrix case arm64-uefi: the plain reference layout (reference/plain.sh, UEFI) on arm64, booted in qemu-system-aarch64 (virt) with AAVMF. Its
# system tree is made by qemu-user (binfmt_misc) and its disks here, without a test guest (build-reference.sh), from
# filesystem images written into place: mke2fs -d (it keeps owners, modes, xattrs, ACLs, capabilities, hard links,
# holes and device nodes), mkfs.vfat and mtools, mkswap.
FIRMWARE=uefi
ARCH=arm64
. "$here/reference/plain.sh"

case_host_disks() {
    local img=$out/disk0.img fs=$work/fs kver n
    mkdir -p "$fs"
    kver=$(cd "$root/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -1)
    [ -n "$kver" ] || { log "no kernel in the arm64 system"; exit 1; }
    truncate -s "${DISK_MB[0]}M" "$img"
    sgdisk -n1:1M:+64M -t1:ef00 -c1:esp \
           -n2:0:+1700M -t2:8300 -c2:root -n3:0:+512M -t3:8302 -c3:home -n4:0:0 -t4:8200 -c4:swap "$img" >/dev/null
    sectors() { partx -g -o SECTORS -n "$1" "$img" | tr -d ' '; }

    # GRUB: the EFI image on the ESP and its modules in /boot/grub as grub-install leaves them; grub.cfg written as
    # grub-mkconfig would (it needs grub-probe on a mounted root), booting the kernel with the console on ttyAMA0.
    mkfs.vfat -C -F 32 -n REFESP -i "$ESP_ID" "$fs/esp.img" $(( $(sectors 1) / 2 )) >/dev/null
    uefi_grub_on_esp "$fs/esp.img" "$ROOT_UUID" /boot/grub
    cat >"$root/boot/grub/grub.cfg" <<CFG
set default=0
set timeout=0
insmod part_gpt
insmod ext2
search --no-floppy --fs-uuid --set=root $ROOT_UUID
menuentry 'Debian GNU/Linux' {
    linux /boot/vmlinuz-$kver root=UUID=$ROOT_UUID ro console=tty0 console=ttyAMA0,115200 quiet
    initrd /boot/initrd.img-$kver
}
CFG
    mv "$root/home" "$fs/home" && mkdir -m 755 "$root/home"
    mke2fs -q -F -t ext4 -L refroot -U "$ROOT_UUID" -d "$root" "$fs/root.img" $(( $(sectors 2) / 2 ))k >>"$work/build.log" 2>&1
    mke2fs -q -F -t ext4 -L refhome -U "$HOME_UUID" -d "$fs/home" "$fs/home.img" $(( $(sectors 3) / 2 ))k >>"$work/build.log" 2>&1
    truncate -s $(( $(sectors 4) * 512 )) "$fs/swap.img"
    mkswap -q -L refswap -U "$SWAP_UUID" "$fs/swap.img" >/dev/null
    for n in 1 2 3 4; do
        dd if="$fs/$(echo esp root home swap | cut -d' ' -f$n).img" of="$img" bs=1M seek=$(( $(partx -g -o START -n $n "$img" | tr -d ' ') * 512 )) \
            oflag=seek_bytes conv=notrunc,sparse status=none
    done
    e2fsck -fn "$fs/root.img" >>"$work/build.log" 2>&1 && e2fsck -fn "$fs/home.img" >>"$work/build.log" 2>&1 \
        || { tail -n 20 "$work/build.log" >&2; log "fsck of the arm64 filesystems failed"; exit 1; }
    rm -rf "$fs"
}
