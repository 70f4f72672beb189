# Shared by build-reference.sh (host), reference/base.sh (host) and reference/inside.sh (test guest), sourced: chroot
# set-up, partition names, boot loaders.

log() { echo "build-reference: $*" >&2; }

# Runs a command in the chroot $root with a clean environment.
in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        LANG=C.UTF-8 HOME=/root "$@"
}

# /proc, /sys, /run and /dev for the chroot $root. /dev is private (only the basic character devices: the chroot never
# sees the build host's disks), or with "guest" the test guest's own /dev (the case phase runs in a throwaway guest
# whose only other disk is its snapshot root), so grub-probe, mdadm, lvm and cryptsetup see the stack as udev named it.
chroot_mounts() {
    local n
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mkdir -p "$root/run" && mount -t tmpfs -o mode=755 tmpfs "$root/run"
    if [ "${1:-}" = guest ]; then
        mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
        return
    fi
    mount -t tmpfs -o mode=755 tmpfs "$root/dev"
    for n in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" "urandom c 1 9" "tty c 5 0"; do
        set -- $n; mknod -m 666 "$root/dev/$1" "$2" "$3" "$4"
    done
    mkdir -p "$root/dev/pts" "$root/dev/shm"
}

# Partition N of a disk: /dev/vdb2, but /dev/loop0p2 and /dev/nvme0n1p2.
part() {
    case $1 in *[0-9]) echo "${1}p$2" ;; *) echo "$1$2" ;; esac
}

# Unmounts everything under $1 (deepest first).
umount_under() {
    local m
    for m in $(findmnt -rn -o TARGET | grep "^$1" | sort -r); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
}

# GRUB for UEFI on an ESP without mounting it (also works on an ESP that is an md mirror, or an image file): an image built
# by grub-mkimage in the chroot that finds /boot/grub by filesystem UUID, copied with mtools to \EFI\debian\grubx64.efi
# and the removable path \EFI\BOOT\BOOTX64.EFI (grubaa64.efi and BOOTAA64.EFI when $ARCH is arm64). Arguments: the ESP,
# the UUID of the filesystem holding /boot/grub, the prefix in it (/boot/grub or /grub), then extra GRUB modules
# (lvm, mdraid1x, cryptodisk…).
uefi_grub_on_esp() {
    local esp=$1 fs_uuid=$2 prefix=$3 target=x86_64-efi loader=grubx64.efi removable=BOOTX64.EFI; shift 3
    [ "${ARCH:-amd64}" = arm64 ] && target=arm64-efi loader=grubaa64.efi removable=BOOTAA64.EFI
    mkdir -p "$root/boot/grub/$target" "$root/boot/efi"
    cp "$root"/usr/lib/grub/$target/*.mod "$root"/usr/lib/grub/$target/*.lst "$root/boot/grub/$target/"
    printf 'search.fs_uuid %s root\nset prefix=($root)%s\n' "$fs_uuid" "$prefix" >"$root/tmp/early.cfg"
    in_root grub-mkimage -O $target -o /tmp/$loader -c /tmp/early.cfg -p "$prefix" \
        part_gpt part_msdos fat ext2 search search_fs_uuid normal configfile linux gzio echo all_video serial terminal efi_gop "$@" \
        >&2 || { log "grub-mkimage failed"; exit 1; }
    mmd -i "$esp" ::/EFI ::/EFI/debian ::/EFI/BOOT
    mcopy -i "$esp" "$root/tmp/$loader" ::/EFI/debian/$loader
    mcopy -i "$esp" "$root/tmp/$loader" ::/EFI/BOOT/$removable
    rm -f "$root/tmp/$loader" "$root/tmp/early.cfg"
}

# GRUB for BIOS in the boot sector of each given disk (each needs a BIOS boot partition).
bios_grub_on() {
    local d
    for d in "$@"; do
        in_root grub-install --target=i386-pc "$d" >&2 || { log "grub-install on $d failed"; exit 1; }
    done
}

# A new random UUID, and a FAT volume id (8 hex digits; blkid shows it as XXXX-XXXX).
new_uuid() { cat /proc/sys/kernel/random/uuid; }
new_fat_id() { new_uuid | tr -d '-' | cut -c1-8 | tr 'a-f' 'A-F'; }

# Sets NAME=VALUE here and records it for the guest phase (the case's ids are chosen on the host, used in the guest).
preset() {
    printf -v "$1" '%s' "$2"
    printf '%s=%q\n' "$1" "$2" >>"$kit/ids.env"
}

# A UUID as mdadm prints it (four groups of eight hex digits separated by colons).
md_uuid() { echo "$1" | tr -d '-' | sed 's/\(........\)\(........\)\(........\)\(........\)/\1:\2:\3:\4/'; }

# The serial console of a machine of Debian architecture $1: QEMU's virt machine has a PL011 (ttyAMA0), a PC a 16550 (ttyS0).
serial_tty() { [ "$1" = arm64 ] && echo ttyAMA0 || echo ttyS0; }

# binfmt_misc runs arm64 programs through qemu-user (Debian's qemu-user-static entry, with F: the interpreter is opened
# now, so it works inside a chroot). Registered only for a build that needs it and only when absent; binfmt_off removes
# only what binfmt_on added.
binfmt_on() {
    local reg=/proc/sys/fs/binfmt_misc
    [ -e "$reg/qemu-aarch64" ] && return 0
    [ -w "$reg/register" ] || mount -t binfmt_misc binfmt_misc "$reg" 2>/dev/null \
        || { log "binfmt_misc is not available: an arm64 reference needs it to run the arm64 system's programs"; exit 5; }
    [ -f /usr/lib/binfmt.d/qemu-aarch64.conf ] || { log "missing /usr/lib/binfmt.d/qemu-aarch64.conf: apt-get install qemu-user-static"; exit 5; }
    cat /usr/lib/binfmt.d/qemu-aarch64.conf >"$reg/register"
    binfmt_added=yes
}
binfmt_off() {
    [ "${binfmt_added:-}" = yes ] && echo -1 >/proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null
    binfmt_added=
}
