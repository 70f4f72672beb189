#!/usr/bin/env bash
# Builds (once) the reference Debian 12 system of the recovery tests and the drill, and prints its directory.
#
#   testvm/build-reference.sh [--uefi] [--print|--force]
#
# The result is a raw disk image, disk.img (2560 MiB, sparse), of a bootable Debian 12 system:
#   BIOS: GPT, p1 BIOS boot (1 MiB), p2 ext4 /, p3 ext4 /home, p4 swap; GRUB for BIOS in the MBR.
#   UEFI: GPT, p1 ESP (vfat, 64 MiB, \EFI\debian\grubx64.efi and \EFI\BOOT\BOOTX64.EFI), p2 /, p3 /home, p4 swap.
# with linux-image-amd64, GRUB, systemd, udev; the kernel console on ttyS0 (no serial getty there);
# and a test payload of a few thousand files under /srv/payload and /home/alice: hard links, sparse
# files, user.* xattrs, ACLs (access and default), a file capability, setuid/setgid files, a fifo,
# a device node, absolute symlinks and names that are not UTF-8.
#
# The system runs /usr/local/sbin/mkcdrec-autorun once it is up (multi-user): it prints
# "MKCDREC-BOOTED uptime=S" on ttyS0; when a disk labelled MKJOB is attached it mounts it on /job,
# runs /job/job.sh with its output on ttyS0, prints "MKCDREC-JOB-RC=N" and powers off.
#
# Cache: $MKCDREC_TESTVM_CACHE (default /var/cache/mkcdrec-testvm)/ref-<bios|uefi>-<hash>/ where
# <hash> covers this script. Built in a temporary directory and renamed under a lock; `complete`
# is written last. Contents: disk.img, facts.env (partition UUIDs etc.), packages.txt, build.log.
# Needs root (loop devices, debootstrap, chroot), the Debian mirror (the host's apt sources, or
# MKCDREC_TESTVM_MIRROR), sgdisk, mkfs.ext4, mkfs.vfat + mtools (the host kernel has no vfat: the
# ESP is never mounted), setfattr/setfacl/setcap. Progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${MKCDREC_TESTVM_CACHE:-/var/cache/mkcdrec-testvm}
suite=bookworm
variant=bios
mode=
for a in "$@"; do
    case $a in
        --uefi) variant=uefi ;;
        --bios) variant=bios ;;
        --print|--force) mode=$a ;;
        *) echo "build-reference: unknown argument $a" >&2; exit 2 ;;
    esac
done

hash=$( { sha256sum "$here/build-reference.sh" | cut -d' ' -f1; echo "$suite $variant"; } | sha256sum | cut -c1-16)
dir=$cache_root/ref-$variant-$hash
if [ "$mode" = --print ]; then echo "$dir"; [ -f "$dir/complete" ] || exit 3; exit 0; fi
if [ -f "$dir/complete" ] && [ "$mode" != --force ]; then echo "$dir"; exit 0; fi

log() { echo "build-reference: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { log "building the reference system needs root"; exit 5; }
for t in debootstrap sgdisk mkfs.ext4 mkswap mkfs.vfat mcopy mmd losetup partx chroot flock setfattr setfacl setcap; do
    command -v $t >/dev/null || { log "missing $t: apt-get install debootstrap gdisk e2fsprogs dosfstools mtools util-linux attr acl libcap2-bin"; exit 5; }
done

mkdir -p "$cache_root"
exec 9>"$cache_root/.ref-build.lock"
if ! flock -n 9; then log "another build is running; waiting for it"; flock 9; fi
if [ -f "$dir/complete" ] && [ "$mode" != --force ]; then echo "$dir"; exit 0; fi

mirror=${MKCDREC_TESTVM_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -E '^[[:space:]]*(deb|URIs:)[[:space:]]' | grep -oE 'https?://[^ ]+/debian/?' | grep -v security | head -1 || true)
    mirror=${mirror:-http://deb.debian.org/debian}
fi
mirror=${mirror%/}
security=${MKCDREC_TESTVM_SECURITY_MIRROR:-${mirror%/debian}/debian-security}

start=$(date +%s)
work=$(mktemp -d "$cache_root/.ref-$variant-$hash.XXXXXX")
root=$work/root
out=$work/out
mkdir -p "$root" "$out"
loop=
cleanup() {
    local m
    for m in $(findmnt -rn -o TARGET | grep "^$root" | sort -r); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    if [ -n "$loop" ]; then partx -d "$loop" 2>/dev/null || true; losetup -d "$loop" 2>/dev/null || true; fi
    if findmnt -rn -o TARGET | grep -q "^$root"; then log "mounts remain under $root; not deleting it"; return; fi
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- disk
img=$out/disk.img
truncate -s 2560M "$img"
if [ $variant = bios ]; then
    sgdisk -n1:1M:+1M -t1:ef02 -c1:biosboot \
           -n2:0:+1700M -t2:8300 -c2:root -n3:0:+512M -t3:8302 -c3:home -n4:0:0 -t4:8200 -c4:swap "$img" >/dev/null
else
    sgdisk -n1:1M:+64M -t1:ef00 -c1:esp \
           -n2:0:+1700M -t2:8300 -c2:root -n3:0:+512M -t3:8302 -c3:home -n4:0:0 -t4:8200 -c4:swap "$img" >/dev/null
fi
loop=$(losetup -f --show "$img")
partx -a "$loop" 2>/dev/null || partx -u "$loop"
for n in 1 2 3 4; do [ -b "${loop}p$n" ] || { log "no partition node ${loop}p$n"; exit 1; }; done
mkfs.ext4 -q -L refroot "${loop}p2"
mkfs.ext4 -q -L refhome "${loop}p3"
mkswap -q -L refswap "${loop}p4" >/dev/null
[ $variant = uefi ] && mkfs.vfat -F 32 -n REFESP "${loop}p1" >/dev/null
uuid() { blkid -p -o value -s UUID "$1"; }
root_uuid=$(uuid "${loop}p2"); home_uuid=$(uuid "${loop}p3"); swap_uuid=$(uuid "${loop}p4")
esp_uuid=; [ $variant = uefi ] && esp_uuid=$(uuid "${loop}p1")
mount "${loop}p2" "$root"
mkdir -p "$root/home"
mount "${loop}p3" "$root/home"

# ---------------------------------------------------------------- debootstrap
log "debootstrap $suite from $mirror (log: $out/build.log)"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >>"$out/build.log" 2>&1 \
    || { tail -n 30 "$out/build.log" >&2; log "debootstrap failed"; exit 1; }
log "debootstrap done after $(( $(date +%s) - start )) s"

# A chroot with a private /dev holding only what the tools need (the loop disk and its partitions,
# and /dev/disk/by-uuid so grub-mkconfig writes root=UUID=), no services, no hooks that hang.
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t tmpfs -o mode=755 tmpfs "$root/dev"
for n in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" "urandom c 1 9" "tty c 5 0"; do
    set -- $n; mknod -m 666 "$root/dev/$1" "$2" "$3" "$4"
done
mkdir -p "$root/dev/pts" "$root/dev/shm" "$root/dev/disk/by-uuid"
for b in "$loop" "${loop}p1" "${loop}p2" "${loop}p3" "${loop}p4"; do
    mm=$(cat "/sys/class/block/$(basename "$b")/dev"); mknod -m 660 "$root$b" b "${mm%:*}" "${mm#*:}"
done
ln -s "../../$(basename "$loop")p2" "$root/dev/disk/by-uuid/$root_uuid"
ln -s "../../$(basename "$loop")p3" "$root/dev/disk/by-uuid/$home_uuid"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"

cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
SRC
echo mkcdrec-ref >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmkcdrec-ref\n' >"$root/etc/hosts"
{
    echo "UUID=$root_uuid / ext4 errors=remount-ro 0 1"
    echo "UUID=$home_uuid /home ext4 defaults 0 2"
    [ $variant = uefi ] && echo "UUID=$esp_uuid /boot/efi vfat umask=0077 0 1"
    echo "UUID=$swap_uuid none swap sw 0 0"
} >"$root/etc/fstab"
mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/etc/default"
printf 'COMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/mkcdrec-ref"
printf 'RESUME=UUID=%s\n' "$swap_uuid" >"$root/etc/initramfs-tools/conf.d/resume"
cat >"$root/etc/default/grub" <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200"
GRUB_TERMINAL="console serial"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
if [ $variant = bios ]; then grub_pkgs=(grub-pc grub-efi-amd64-bin); else grub_pkgs=(grub-efi-amd64 grub-pc-bin); fi
# busybox-static, xorriso and mtools: what `mkcdrec mkbackup` needs to build the rescue ISO inside this system.
packages=(linux-image-amd64 initramfs-tools zstd systemd-sysv udev kmod e2fsprogs dosfstools iproute2 ifupdown procps busybox-static xorriso mtools "${grub_pkgs[@]}")
log "installing ${#packages[@]} packages in the chroot"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 HOME=/root "$@"; }
{ in_root apt-get update -q && \
  in_root apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}"; } >>"$out/build.log" 2>&1 \
    || { tail -n 40 "$out/build.log" >&2; log "package installation failed"; exit 1; }
log "packages installed after $(( $(date +%s) - start )) s"

# ---------------------------------------------------------------- system settings
printf 'auto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n' >"$root/etc/network/interfaces"
in_root useradd -m -u 1000 -s /bin/bash alice
echo 'root:mkcdrec' | in_root chpasswd
# The kernel console is on ttyS0 for the tests; no getty there to interleave with their output.
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
cat >"$root/usr/local/sbin/mkcdrec-autorun" <<'AUTORUN'
#!/bin/sh
# mkcdrec test hook: announce the boot on ttyS0; run /job/job.sh from a disk labelled MKJOB, then power off.
exec >/dev/ttyS0 2>&1
echo "MKCDREC-BOOTED uptime=$(cut -d' ' -f1 /proc/uptime)"
job=/dev/disk/by-label/MKJOB
[ -e $job ] || udevadm settle -t 10
[ -e $job ] || exit 0
mkdir -p /job && mount $job /job || { echo "MKCDREC-JOB-RC=99"; exit 0; }
PATH=/job/bin:$PATH; export PATH
if [ -x /job/job.sh ]; then /job/job.sh; rc=$?; else rc=98; fi
sync; cd /; umount /job
echo "MKCDREC-JOB-RC=$rc"
systemctl --no-block poweroff
AUTORUN
chmod 755 "$root/usr/local/sbin/mkcdrec-autorun"
cat >"$root/etc/systemd/system/mkcdrec-autorun.service" <<'UNIT'
[Unit]
Description=mkcdrec test hook (boot marker, job disk)
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/mkcdrec-autorun
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/mkcdrec-autorun.service "$root/etc/systemd/system/multi-user.target.wants/mkcdrec-autorun.service"

# ---------------------------------------------------------------- test payload
log "writing the test payload"
P=$root/srv/payload
H=$root/home/alice/payload
mkdir -p "$P" "$H"
for i in $(seq 1 1500); do
    d=$P/d$((i % 40)); [ -d "$d" ] || mkdir "$d"
    printf 'payload file %d %s\n' "$i" "$RANDOM$RANDOM" >"$d/f$i"
done
for i in $(seq 1 1000); do
    d=$H/h$((i % 25)); [ -d "$d" ] || mkdir "$d"
    printf 'home file %d %s\n' "$i" "$RANDOM" >"$d/g$i"
done
head -c 8M /dev/urandom >"$P/random.bin"
head -c 16M /dev/zero | tr '\0' 'a' >"$H/compressible.txt"
# hard links (within one filesystem), a chain of three
ln "$P/d1/f1" "$P/hardlink-1"; ln "$P/d1/f1" "$P/d2/hardlink-2"; ln "$H/h1/g1" "$H/hardlink"
# sparse files: 256 MiB with data at three places; a file that is all hole
truncate -s 256M "$P/sparse.img"
printf 'start' | dd of="$P/sparse.img" conv=notrunc status=none
printf 'middle' | dd of="$P/sparse.img" bs=1M seek=100 conv=notrunc status=none
printf 'end' | dd of="$P/sparse.img" bs=1 seek=$((256 * 1048576 - 3)) conv=notrunc status=none
truncate -s 64M "$H/hole-only"
# xattrs and ACLs
setfattr -n user.mkcdrec.color -v blue "$P/d3/f3"
setfattr -n user.mkcdrec.bin -v 0x00ff10 "$P/d3/f43"
setfattr -n user.mkcdrec.note -v "on a directory" "$P/d4"
setfacl -m u:1000:rw,g:100:r "$P/d5/f5"
setfacl -d -m u:1000:rwx "$P/d6"
setfacl -m u:1000:rwx "$P/d6"
# a file capability and setuid/setgid files, a setgid directory, sticky
cp "$root/usr/bin/true" "$root/usr/local/bin/captest"; setcap cap_net_raw+ep "$root/usr/local/bin/captest"
cp "$root/usr/bin/true" "$root/usr/local/bin/suidtest"; chmod 4755 "$root/usr/local/bin/suidtest"
cp "$root/usr/bin/true" "$P/sgidtest"; chown 0:100 "$P/sgidtest"; chmod 2755 "$P/sgidtest"
mkdir "$P/shared"; chown 1000:100 "$P/shared"; chmod 3775 "$P/shared"
# names that are not UTF-8, a fifo, a device node, symlinks absolute and relative
printf 'latin-1 name\n' >"$P/caf$(printf '\351')"
mkdir "$P/dir-$(printf '\377\376')"; printf 'x\n' >"$P/dir-$(printf '\377\376')/inside"
mkfifo "$P/fifo"
mknod "$P/null-copy" c 1 3
ln -s /etc/hostname "$P/abs-link"; ln -s d1/f1 "$P/rel-link"; ln -s /nonexistent "$P/dangling"
chown -R 1000:1000 "$root/home/alice"
touch -d '2001-02-03 04:05:06.123456789' "$P/d7/f7"

# ---------------------------------------------------------------- initramfs and bootloader
log "initramfs and GRUB ($variant)"
in_root update-initramfs -u -k all >>"$out/build.log" 2>&1 || { tail -n 20 "$out/build.log" >&2; log "update-initramfs failed"; exit 1; }
if [ $variant = bios ]; then
    in_root grub-install --target=i386-pc "$loop" >>"$out/build.log" 2>&1 || { tail -n 20 "$out/build.log" >&2; log "grub-install failed"; exit 1; }
else
    # No vfat on this host: build the EFI image with grub-mkimage and put it on the ESP with mtools.
    mkdir -p "$root/boot/grub/x86_64-efi" "$root/boot/efi"
    cp "$root"/usr/lib/grub/x86_64-efi/*.mod "$root"/usr/lib/grub/x86_64-efi/*.lst "$root/boot/grub/x86_64-efi/"
    printf 'search.fs_uuid %s root\nset prefix=($root)/boot/grub\n' "$root_uuid" >"$root/tmp/early.cfg"
    in_root grub-mkimage -O x86_64-efi -o /tmp/grubx64.efi -c /tmp/early.cfg -p /boot/grub \
        part_gpt fat ext2 search search_fs_uuid normal configfile linux gzio echo all_video serial terminal efi_gop >>"$out/build.log" 2>&1
    mmd -i "${loop}p1" ::/EFI ::/EFI/debian ::/EFI/BOOT
    mcopy -i "${loop}p1" "$root/tmp/grubx64.efi" ::/EFI/debian/grubx64.efi
    mcopy -i "${loop}p1" "$root/tmp/grubx64.efi" ::/EFI/BOOT/BOOTX64.EFI
    rm -f "$root/tmp/grubx64.efi" "$root/tmp/early.cfg"
fi
in_root grub-mkconfig -o /boot/grub/grub.cfg >>"$out/build.log" 2>&1 || { tail -n 20 "$out/build.log" >&2; log "grub-mkconfig failed"; exit 1; }
grep -q "root=UUID=$root_uuid" "$root/boot/grub/grub.cfg" || { log "grub.cfg does not boot root=UUID=$root_uuid"; exit 1; }

in_root dpkg-query -W -f '${Package} ${Version}\n' >"$out/packages.txt"
in_root apt-get clean
rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
files=$(find "$root/srv/payload" "$root/home/alice" | wc -l)
cat >"$out/facts.env" <<FACTS
VARIANT=$variant
DISK_BYTES=$(stat -c %s "$img")
ROOT_UUID=$root_uuid
HOME_UUID=$home_uuid
SWAP_UUID=$swap_uuid
ESP_UUID=$esp_uuid
PAYLOAD_ENTRIES=$files
FACTS

for m in $(findmnt -rn -o TARGET | grep "^$root" | sort -r); do umount "$m"; done
e2fsck -fn "${loop}p2" >>"$out/build.log" 2>&1 && e2fsck -fn "${loop}p3" >>"$out/build.log" 2>&1 || { log "fsck of the new filesystems failed"; exit 1; }
partx -d "$loop" 2>/dev/null || true; losetup -d "$loop"; loop=
sgdisk -v "$img" >>"$out/build.log" 2>&1

date -u +%FT%TZ >"$out/complete"
rm -rf "$dir"
mv "$out" "$dir"
log "built $dir in $(( $(date +%s) - start )) s ($files payload entries)"
echo "$dir"
