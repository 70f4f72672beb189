# The Debian 12 root filesystem every reference system starts from (sourced by build-reference.sh): debootstrap, the
# packages of a server of that firmware, the users, and the storage-stack packages downloaded but not installed (a case
# installs the ones it needs from the cache, offline). Built once per firmware and kept as rootfs.tar.zst in
# $cache_root/base-<firmware>-<hash>/ (hash: this file), so a new case costs minutes, not a debootstrap.

# Packages every reference system has; busybox-static, xorriso and mtools are what `mkcdrec mkbackup` needs inside it;
# attr, acl and libcap2-bin let mkcdrec-inventory list what the recovered system must keep; openssh-client and nfs-common
# are the clients `mkbackup --dest sftp://…|nfs://…` uses and puts into the rescue system (the drill of a backup on a
# server). Installed here, not at a job's start: the built image keeps no package cache (system.sh cleans it), and
# nfs-common's python3 would be byte-compiled under TCG in every such drill.
base_packages=(initramfs-tools zstd systemd-sysv udev kmod e2fsprogs dosfstools iproute2 ifupdown procps
    busybox-static xorriso mtools attr acl libcap2-bin openssh-client nfs-common)
# Downloaded into the base's apt cache; each case installs what its storage needs (EXTRA_PACKAGES).
stack_packages=(mdadm lvm2 thin-provisioning-tools cryptsetup cryptsetup-initramfs btrfs-progs xfsprogs efibootmgr)

# Prints the base directory of firmware $1 (bios|uefi) and architecture $2 (amd64, the default, or arm64: debootstrap's
# foreign first stage here, the second stage and every package script run by qemu-user through binfmt_misc, lib.sh),
# building it when it is not cached.
ensure_base() {
    local firmware=$1 arch=${2:-amd64} hash dir work broot grub_pkgs kernel_pkg=linux-image-amd64 tty=ttyS0 name
    # Only this file is hashed: the lib.sh functions used here (in_root, chroot_mounts, umount_under) change the result
    # of a build only if they break it, and a lib.sh edit should not cost every case a new debootstrap.
    # An amd64 base keeps its old name and hash (an arm64 one is a different system, not a new version of it).
    name=$firmware; [ "$arch" = amd64 ] || name=$firmware-$arch
    hash=$( { sha256sum "$here/reference/base.sh" | cut -d' ' -f1; echo "$suite $name"; } | sha256sum | cut -c1-16)
    dir=$cache_root/base-$name-$hash
    [ -f "$dir/complete" ] && { echo "$dir"; return 0; }
    exec 8>"$cache_root/.base-$name.lock"
    flock 8
    [ -f "$dir/complete" ] && { echo "$dir"; return 0; }

    work=$(mktemp -d "$cache_root/.base-$name-$hash.XXXXXX")
    broot=$work/root
    mkdir -p "$broot"
    log "base system ($name): debootstrap $suite from $mirror (log: $work/build.log)"
    (
        root=$broot
        trap 'umount_under "$root"' EXIT
        if [ "$arch" = amd64 ]; then
            debootstrap --variant=minbase "$suite" "$root" "$mirror" >>"$work/build.log" 2>&1 \
                || { tail -n 30 "$work/build.log" >&2; log "debootstrap failed"; exit 1; }
        else
            debootstrap --foreign --arch="$arch" --variant=minbase "$suite" "$root" "$mirror" >>"$work/build.log" 2>&1 \
                && in_root /debootstrap/debootstrap --second-stage >>"$work/build.log" 2>&1 \
                || { tail -n 30 "$work/build.log" >&2; log "debootstrap ($arch, second stage under qemu-user) failed"; exit 1; }
            kernel_pkg=linux-image-$arch tty=$(serial_tty "$arch")
        fi
        chroot_mounts
        # Under qemu-user every initramfs costs minutes (mkinitramfs starts thousands of programs), and the packages'
        # triggers would make several; the system phase makes the one the system boots with.
        [ "$arch" = amd64 ] || { in_root dpkg-divert --local --rename --add /usr/sbin/update-initramfs >/dev/null \
            && printf '#!/bin/sh\nexit 0\n' >"$root/usr/sbin/update-initramfs" && chmod 755 "$root/usr/sbin/update-initramfs"; }
        printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
        printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
            "$mirror" "$suite" "$mirror" "$suite" "$security" "$suite" >"$root/etc/apt/sources.list"
        if [ "$arch" = arm64 ]; then grub_pkgs=(grub-efi-arm64)
        elif [ "$firmware" = bios ]; then grub_pkgs=(grub-pc grub-efi-amd64-bin); else grub_pkgs=(grub-efi-amd64 grub-pc-bin); fi
        { in_root apt-get update -q && \
          in_root apt-get install -y -q --no-install-recommends \
              -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$kernel_pkg" "${base_packages[@]}" "${grub_pkgs[@]}" && \
          in_root apt-get clean && \
          in_root apt-get install -y -q --no-install-recommends --download-only "${stack_packages[@]}"; } >>"$work/build.log" 2>&1 \
            || { tail -n 40 "$work/build.log" >&2; log "package installation failed"; exit 1; }
        rm -f "$root/usr/sbin/policy-rc.d"
        [ "$arch" = amd64 ] || { rm -f "$root/usr/sbin/update-initramfs" && in_root dpkg-divert --local --rename --remove /usr/sbin/update-initramfs >/dev/null; }
        printf 'auto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n' >"$root/etc/network/interfaces"
        in_root useradd -m -u 1000 -s /bin/bash alice
        echo 'root:mkcdrec' | in_root chpasswd
        # The kernel console is on the serial port for the tests; no getty there to interleave with their output.
        ln -sf /dev/null "$root/etc/systemd/system/serial-getty@$tty.service"
        umount_under "$root"
        trap - EXIT
    ) || { rm -rf --one-file-system "$work"; return 1; }
    tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$broot" -cf - . | zstd -q -T0 -3 -o "$work/rootfs.tar.zst"
    rm -rf --one-file-system "$broot"
    date -u +%FT%TZ >"$work/complete"
    rm -rf "$dir"; mv "$work" "$dir"
    log "base system ($name) built: $dir"
    echo "$dir"
}
