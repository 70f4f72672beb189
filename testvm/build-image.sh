#!/usr/bin/env bash
# Builds (once) the Debian 12 guest image the test-VM runner boots, and prints its directory.
#
#   testvm/build-image.sh            build if missing; last stdout line = the image directory
#   testvm/build-image.sh --print    only print the directory it would use (exit 3 if not built)
#   testvm/build-image.sh --force    rebuild even when cached
#
# The image lives in $MKCDREC_TESTVM_CACHE (default /var/cache/mkcdrec-testvm)/<hash>/ where <hash>
# covers this script (and so the package list) and guest-init.sh. A directory is complete only
# when it contains the file `complete`: it is built in a temporary directory and renamed, so a
# killed build never looks finished. Contents: vmlinuz, initrd.img, rootfs.img (raw ext4, booted
# with -snapshot so it is never modified), packages.txt, build.log, complete.
# Needs root (debootstrap, chroot) and the Debian mirror; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${MKCDREC_TESTVM_CACHE:-/var/cache/mkcdrec-testvm}
suite=bookworm

# Everything the system and drill tests need inside the guest. Changing this list changes the hash.
packages=(
  linux-image-amd64 initramfs-tools zstd kmod udev
  util-linux fdisk gdisk parted mdadm lvm2 thin-provisioning-tools cryptsetup-bin bcache-tools
  btrfs-progs xfsprogs dosfstools e2fsprogs mtools
  grub-pc-bin grub-efi-amd64-bin grub2-common efibootmgr
  acl attr busybox-static iproute2 procps psmisc less cpio
  nfs-common netbase openssh-client   # clients of the destination tests (mount.nfs against NFS-Ganesha, it reads /etc/protocols; ssh)
)
# Modules our own tiny initramfs loads: enough to mount the root (virtio disk, ext4) and the job share.
initrd_modules=(virtio_pci virtio_blk ext4 9pnet_virtio 9p)

hash=$( { sha256sum "$here/build-image.sh" "$here/guest-init.sh" | cut -d' ' -f1; echo "$suite"; } | sha256sum | cut -c1-16)
dir=$cache_root/$hash
mode=${1:-}
if [ "$mode" = --print ]; then echo "$dir"; [ -f "$dir/complete" ] || exit 3; exit 0; fi
if [ -f "$dir/complete" ] && [ "$mode" != --force ]; then echo "$dir"; exit 0; fi

log() { echo "build-image: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { log "the guest image $dir is missing and building it needs root (debootstrap)"; exit 5; }
for t in debootstrap mkfs.ext4 chroot flock; do
    command -v $t >/dev/null || { log "missing $t: apt-get install debootstrap e2fsprogs util-linux"; exit 5; }
done

mkdir -p "$cache_root"
exec 9>"$cache_root/.build.lock"
if ! flock -n 9; then log "another build is running; waiting for it"; flock 9; fi
if [ -f "$dir/complete" ] && [ "$mode" != --force ]; then echo "$dir"; exit 0; fi

. "$here/mirror.sh"
detect_mirror

start=$(date +%s)
work=$(mktemp -d "$cache_root/.build-$hash.XXXXXX")
root=$work/root
out=$work/out
mkdir -p "$root" "$out"
unmount_all() {
    # deepest first; never leave a mount behind before deleting anything
    local m
    for m in $(findmnt -rn -o TARGET | grep "^$root/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
}
cleanup() {
    unmount_all
    if findmnt -rn -o TARGET | grep -q "^$root/"; then log "mounts remain under $root; not deleting it"; return; fi
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "debootstrap $suite from $mirror into $root (log: $out/build.log)"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >>"$out/build.log" 2>&1 \
    || { tail -n 30 "$out/build.log" >&2; log "debootstrap failed"; exit 1; }
log "debootstrap done after $(( $(date +%s) - start )) s"

# A chroot that cannot start services or hang in hooks: no daemons, a private /dev.
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t tmpfs -o mode=755 tmpfs "$root/dev"
for n in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" "urandom c 1 9" "tty c 5 0"; do
    set -- $n; mknod -m 666 "$root/dev/$1" "$2" "$3" "$4"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"

cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
SRC
# Debian's own initramfs is built by the kernel package but not used: keep it small and quick to make.
mkdir -p "$root/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/mkcdrec-testvm"
echo mkcdrec-testvm >"$root/etc/hostname"
printf '# the test-VM init mounts everything itself\n' >"$root/etc/fstab"
# mdadm must not try to start monitors or ask about arrays in the chroot
mkdir -p "$root/etc/default" "$root/etc/mdadm"
printf 'AUTOCHECK=false\nAUTOSCAN=false\nSTART_DAEMON=false\n' >"$root/etc/default/mdadm"

log "installing ${#packages[@]} packages in the chroot"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 HOME=/root "$@"; }
{ in_root apt-get update -q && \
  in_root apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}"; } >>"$out/build.log" 2>&1 \
    || { tail -n 40 "$out/build.log" >&2; log "package installation failed"; exit 1; }
log "packages installed after $(( $(date +%s) - start )) s"

install -m 755 "$here/guest-init.sh" "$root/usr/local/sbin/mkcdrec-testvm-init"
in_root dpkg-query -W -f '${Package} ${Version}\n' >"$out/packages.txt"
in_root apt-get clean
rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log

kver=$(cd "$root/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -1)
[ -n "$kver" ] && [ -f "$root/boot/initrd.img-$kver" ] || { log "no kernel/initrd in the chroot"; exit 1; }
cp "$root/boot/vmlinuz-$kver" "$out/vmlinuz"
# The uncompressed ELF kernel boots ~7 s sooner with SeaBIOS under TCG (QEMU enters it through its
# PVH note: no real-mode setup, no XZ decompression in emulation). OVMF needs the bzImage (vmlinuz).
if command -v python3 >/dev/null; then
    python3 - "$out/vmlinuz" "$out/vmlinux" <<'PY' || { log "could not extract vmlinux; BIOS guests will boot vmlinuz"; rm -f "$out/vmlinux"; }
import lzma, sys
data = open(sys.argv[1], "rb").read()
off = data.find(b"\xfd7zXZ\x00")
if off < 0:
    sys.exit("no XZ payload in the kernel image")
elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[off:])
if elf[:4] != b"\x7fELF":
    sys.exit("the XZ payload is not an ELF kernel")
open(sys.argv[2], "wb").write(elf)
PY
fi

# Our initramfs: static busybox, the modules for the root disk and the job share (in modprobe's
# dependency order), and an /init that mounts the root by label and switches to our init. It boots
# several seconds faster under TCG than Debian's (no udev, no RAID/btrfs scans in the initramfs).
ird=$work/initrd
mkdir -p "$ird/bin" "$ird/dev" "$ird/proc" "$ird/sys" "$ird/newroot" "$ird/modules"
cp "$root/bin/busybox" "$ird/bin/busybox"
for m in "${initrd_modules[@]}"; do
    in_root modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
    cp "$root$ko" "$ird/modules/"; basename "$ko" >>"$ird/modules/order"
done
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in $(cat /modules/order); do insmod /modules/$m 2>/dev/null; done
i=0
until dev=$(findfs LABEL=mkcdrec-testvm 2>/dev/null); do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "initrd: no disk labelled mkcdrec-testvm"; ls /dev; sleep 5; echo o >/proc/sysrq-trigger; }
    sleep 0.05
done
mount -o rw "$dev" /newroot || { echo "initrd: cannot mount $dev"; sleep 5; echo o >/proc/sysrq-trigger; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /usr/local/sbin/mkcdrec-testvm-init
INIT
chmod 755 "$ird/init"
(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out/initrd.img"
echo "$kver" >"$out/kernel-version"

unmount_all
used_mb=$(du -sm --one-file-system "$root" | cut -f1)
size_mb=$(( used_mb + used_mb / 4 + 768 ))
log "making rootfs.img (${size_mb} MiB ext4 from ${used_mb} MiB of files, no loop mount)"
mkfs.ext4 -q -F -L mkcdrec-testvm -U 6d6b6364-7265-6300-7465-7374766d0001 -E root_owner=0:0 \
    -d "$root" "$out/rootfs.img" "${size_mb}M" >>"$out/build.log" 2>&1 \
    || { tail -n 20 "$out/build.log" >&2; log "mkfs.ext4 -d failed"; exit 1; }
echo "built $(date -u +%FT%TZ) in $(( $(date +%s) - start )) s, kernel $kver, mirror $mirror" >"$out/complete"

rm -rf "$dir.old"; [ -d "$dir" ] && mv "$dir" "$dir.old"
mv "$out" "$dir"
rm -rf "$dir.old"
log "image ready in $(( $(date +%s) - start )) s: $dir ($(du -sh "$dir" | cut -f1) on disk)"
echo "$dir"
