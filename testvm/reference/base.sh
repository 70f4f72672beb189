# The Debian 12 root filesystem every reference system starts from (sourced by build-reference.sh): debootstrap, the
# packages of a server of that firmware, the users, and the storage-stack packages downloaded but not installed (a case
# installs the ones it needs from the cache, offline). Built once per firmware and kept as rootfs.tar.zst in
# $cache_root/base-<firmware>-<hash>/ (hash: this file), so a new case costs minutes, not a debootstrap.

# Packages every reference system has; busybox-static, xorriso and mtools are what `mkcdrec mkbackup` needs inside it;
# attr, acl and libcap2-bin let mkcdrec-inventory list what the recovered system must keep; openssh-client and nfs-common
# are the clients `mkbackup --dest sftp://…|nfs://…` uses and puts into the rescue system (the drill of a backup on a
# server). Installed here, not at a job's start: the built image keeps no package cache (system.sh cleans it), and
# nfs-common's python3 would be byte-compiled under TCG in every such drill.
base_packages=(linux-image-amd64 initramfs-tools zstd systemd-sysv udev kmod e2fsprogs dosfstools iproute2 ifupdown procps
    busybox-static xorriso mtools attr acl libcap2-bin openssh-client nfs-common)
# Downloaded into the base's apt cache; each case installs what its storage needs (EXTRA_PACKAGES).
stack_packages=(mdadm lvm2 thin-provisioning-tools cryptsetup cryptsetup-initramfs btrfs-progs xfsprogs efibootmgr)

# Prints the base directory of firmware $1 (bios|uefi), building it when it is not cached.
ensure_base() {
    local firmware=$1 hash dir work broot grub_pkgs
    # Only this file is hashed: the lib.sh functions used here (in_root, chroot_mounts, umount_under) change the result
    # of a build only if they break it, and a lib.sh edit should not cost every case a new debootstrap.
    hash=$( { sha256sum "$here/reference/base.sh" | cut -d' ' -f1; echo "$suite $firmware"; } | sha256sum | cut -c1-16)
    dir=$cache_root/base-$firmware-$hash
    [ -f "$dir/complete" ] && { echo "$dir"; return 0; }
    exec 8>"$cache_root/.base-$firmware.lock"
    flock 8
    [ -f "$dir/complete" ] && { echo "$dir"; return 0; }

    work=$(mktemp -d "$cache_root/.base-$firmware-$hash.XXXXXX")
    broot=$work/root
    mkdir -p "$broot"
    log "base system ($firmware): debootstrap $suite from $mirror (log: $work/build.log)"
    (
        root=$broot
        trap 'umount_under "$root"' EXIT
        debootstrap --variant=minbase "$suite" "$root" "$mirror" >>"$work/build.log" 2>&1 \
            || { tail -n 30 "$work/build.log" >&2; log "debootstrap failed"; exit 1; }
        chroot_mounts
        printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
        printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
            "$mirror" "$suite" "$mirror" "$suite" "$security" "$suite" >"$root/etc/apt/sources.list"
        if [ "$firmware" = bios ]; then grub_pkgs=(grub-pc grub-efi-amd64-bin); else grub_pkgs=(grub-efi-amd64 grub-pc-bin); fi
        { in_root apt-get update -q && \
          in_root apt-get install -y -q --no-install-recommends \
              -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${base_packages[@]}" "${grub_pkgs[@]}" && \
          in_root apt-get clean && \
          in_root apt-get install -y -q --no-install-recommends --download-only "${stack_packages[@]}"; } >>"$work/build.log" 2>&1 \
            || { tail -n 40 "$work/build.log" >&2; log "package installation failed"; exit 1; }
        rm -f "$root/usr/sbin/policy-rc.d"
        printf 'auto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n' >"$root/etc/network/interfaces"
        in_root useradd -m -u 1000 -s /bin/bash alice
        echo 'root:mkcdrec' | in_root chpasswd
        # The kernel console is on ttyS0 for the tests; no getty there to interleave with their output.
        ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
        umount_under "$root"
        trap - EXIT
    ) || { rm -rf --one-file-system "$work"; return 1; }
    tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$broot" -cf - . | zstd -q -T0 -3 -o "$work/rootfs.tar.zst"
    rm -rf --one-file-system "$broot"
    date -u +%FT%TZ >"$work/complete"
    rm -rf "$dir"; mv "$work" "$dir"
    log "base system ($firmware) built: $dir"
    echo "$dir"
}
