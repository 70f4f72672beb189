# The plain UEFI reference booting through Debian's signed chain, as Debian's installer sets up a UEFI server:
# shim-signed and grub-efi-amd64-signed installed, grub-install puts shim, the signed GRUB and the MOK manager in
# \EFI\debian and (--force-extra-removable) \EFI\BOOT, so the firmware with Secure Boot enforced starts it with no
# NVRAM entry. The tests boot it under OVMF's Secure Boot build with Microsoft's keys (fact SECURE_BOOT=yes), capture
# and back it up from inside, and drill it with `mkcdrec drill --secure-boot`.
FIRMWARE=uefi
. "$here/reference/plain.sh"

plain_case_ids=$(declare -f case_ids | sed '1s/case_ids/plain_case_ids/')
eval "$plain_case_ids"
case_ids() {
    plain_case_ids
    fact SECURE_BOOT yes
}

# The signed packages are not in the base's cache: fetched here, on the build host (the Debian mirror), like any
# server's install. shim-signed's postinst does nothing without /sys/firmware/efi/efivars or \EFI\debian in the chroot.
case_configure() {
    in_root apt-get update -q >>"$work/build.log" 2>&1 || { tail -n 20 "$work/build.log" >&2; log "apt-get update failed"; exit 1; }
    in_root apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        shim-signed grub-efi-amd64-signed mokutil efibootmgr >>"$work/build.log" 2>&1 \
        || { tail -n 40 "$work/build.log" >&2; log "installing the signed boot chain failed"; exit 1; }
}

# Debian's own grub-install with the signed images: shimx64.efi, grubx64.efi (signed, monolithic), mmx64.efi and the
# grub.cfg that finds / by UUID, in \EFI\debian and the removable path.
case_bootloader() {
    local esp
    esp=$(part "${disks[0]}" 1)
    mkdir -p "$root/boot/efi"
    mount "$esp" "$root/boot/efi"
    in_root grub-install --target=x86_64-efi --efi-directory=/boot/efi --bootloader-id=debian --uefi-secure-boot \
        --no-nvram --force-extra-removable >&2 || { log "grub-install (signed) failed"; exit 1; }
    for f in EFI/debian/shimx64.efi EFI/debian/grubx64.efi EFI/BOOT/BOOTX64.EFI EFI/BOOT/grubx64.efi; do
        [ -f "$root/boot/efi/$f" ] || { log "grub-install left no $f"; ls -R "$root/boot/efi" >&2; exit 1; }
    done
    cmp -s "$root/usr/lib/shim/shimx64.efi.signed" "$root/boot/efi/EFI/BOOT/BOOTX64.EFI" || { log "\\EFI\\BOOT\\BOOTX64.EFI is not the signed shim"; exit 1; }
    umount "$root/boot/efi"
}
