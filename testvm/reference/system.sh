# The system phase of build-reference.sh, on the build host at native speed (sourced): the base system unpacked into
# $root (a directory), the case's configuration, its packages, the hooks, the payload and the initramfs, packed as
# $kit/system.tar.zst for the guest phase (reference/inside.sh) to unpack onto the disks. The case chose every UUID
# beforehand (case_ids), so fstab, mdadm.conf and crypttab can be written before the devices exist.

prepare_system() {
    local tty; tty=$(serial_tty "$ARCH")
    log "system phase: unpacking the base system ($FIRMWARE, $ARCH)"
    mkdir -p "$root"
    zstd -q -d -c "$base/rootfs.tar.zst" | tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$root" -xpf -
    chroot_mounts
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
    echo mkcdrec-ref >"$root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tmkcdrec-ref\n' >"$root/etc/hosts"
    printf '%s\n' "$FSTAB" >"$root/etc/fstab"
    mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/etc/default"
    printf 'COMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/mkcdrec-ref"
    [ -n "$RESUME" ] && printf 'RESUME=%s\n' "$RESUME" >"$root/etc/initramfs-tools/conf.d/resume"
    if [ "$ARCH" != amd64 ]; then
        # Under qemu-user MODULES=most costs minutes (a program started per module): the drivers of QEMU's virt board
        # and of the tests' disks, as an admin would list them for a known machine.
        printf 'MODULES=list\n' >>"$root/etc/initramfs-tools/conf.d/mkcdrec-ref"
        printf '%s\n' virtio_pci virtio_blk virtio_scsi nvme ext4 >>"$root/etc/initramfs-tools/modules"
    fi
    cat >"$root/etc/default/grub" <<GRUB
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="console=tty0 console=$tty,115200${GRUB_EXTRA_CMDLINE:+ $GRUB_EXTRA_CMDLINE}"
GRUB_TERMINAL="console serial"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
    case_configure
    if [ ${#EXTRA_PACKAGES[@]} -gt 0 ]; then
        # No initramfs from the packages' triggers: it is made once below.
        sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$root/etc/initramfs-tools/update-initramfs.conf"
        log "installing ${EXTRA_PACKAGES[*]} from the base's package cache"
        in_root apt-get install -y -q --no-install-recommends --no-download \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${EXTRA_PACKAGES[@]}" >>"$work/build.log" 2>&1 \
            || { tail -n 40 "$work/build.log" >&2; log "installing ${EXTRA_PACKAGES[*]} failed"; exit 1; }
        sed -i 's/^update_initramfs=.*/update_initramfs=yes/' "$root/etc/initramfs-tools/update-initramfs.conf"
    fi
    sed "s#/dev/ttyS0#/dev/$tty#" "$here/reference/autorun.sh" >"$root/usr/local/sbin/mkcdrec-autorun"
    chmod 755 "$root/usr/local/sbin/mkcdrec-autorun"
    install -m 755 "$here/reference/inventory.sh" "$root/usr/local/sbin/mkcdrec-inventory"
    install -m 644 "$here/reference/mkcdrec-autorun.service" "$root/etc/systemd/system/mkcdrec-autorun.service"
    ln -sf /etc/systemd/system/mkcdrec-autorun.service "$root/etc/systemd/system/multi-user.target.wants/mkcdrec-autorun.service"
    write_payload
    log "system phase: initramfs"
    # An arm64 base has no initramfs yet (base.sh): it is created, not updated.
    local mode=(-u -k all)
    ls "$root"/boot/initrd.img-* >/dev/null 2>&1 || mode=(-c -k "$(ls "$root/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)")
    in_root update-initramfs "${mode[@]}" >>"$work/build.log" 2>&1 || { tail -n 20 "$work/build.log" >&2; log "update-initramfs failed"; exit 1; }
    in_root dpkg-query -W -f '${Package} ${Version}\n' >"$out/packages.txt"
    in_root apt-get clean
    rm -f "$root/usr/sbin/policy-rc.d"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
    fact PAYLOAD_ENTRIES "$(find "$root/srv/payload" "$root/home/alice" | wc -l)"
    umount_under "$root"
}

# The system tree as the guest phase unpacks it.
pack_system() {
    tar --numeric-owner --xattrs --xattrs-include='*' --acls --sparse -C "$root" -cf - . | zstd -q -T0 -3 -o "$kit/system.tar.zst"
    rm -rf --one-file-system "$root"
}
