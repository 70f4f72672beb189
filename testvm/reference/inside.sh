#!/usr/bin/env bash
# The case phase of build-reference.sh, run in a throwaway test guest (testvm/run.sh) whose scratch disks become the
# reference system's disks: a kernel with md, dm, LUKS, btrfs and vfat, and udev, which the build host may lack.
#   bash inside.sh CASE KIT     KIT: this directory with rootfs.tar.zst (the base system); results go to KIT/result
#
# A case file (cases/NAME.sh) sets FIRMWARE, DISK_MB=(…) and optionally EXTRA_PACKAGES=(…) (installed offline from the
# base's package cache) and GRUB_EXTRA_CMDLINE, and defines, in the order they run:
#   case_disks        partitions, the stack, mkfs, mounts under $root; sets FSTAB, RESUME, GRUB_ROOT; `fact K V`
#   case_configure    (optional) the stack's files in the unpacked system (mdadm.conf, crypttab…), before its packages
#   case_bootloader   GRUB on the disks (bios_grub_on, uefi_grub_on_esp)
#   case_grub_config  (optional) after grub-mkconfig
#   case_teardown     (optional) last, after the filesystems are unmounted: stop the stack, take snapshots
set -euo pipefail
case_name=$1 kit=$2
here=$(cd "$kit/.." && pwd)     # so "$here/reference/…" in the case files finds the kit
. "$kit/lib.sh"
. "$kit/payload.sh"
EXTRA_PACKAGES=(); RESUME=; GRUB_EXTRA_CMDLINE=
case_configure() { :; }
case_grub_config() { :; }
case_teardown() { :; }
. "$kit/cases/$case_name.sh"

out=$kit/result
mkdir -p "$out"
root=/mnt/reference
mkdir -p "$root"
read -ra disks <<<"$SCRATCH_DISKS"
[ ${#disks[@]} -eq ${#DISK_MB[@]} ] || { log "the guest has ${#disks[@]} scratch disk(s), the case needs ${#DISK_MB[@]}"; exit 1; }
fact() { echo "$1=$2" >>"$out/facts.env"; }
uuid() { blkid -p -o value -s UUID "$1"; }
settle() { udevadm settle -t 30 || true; }

# ---------------------------------------------------------------- disks and the storage stack
log "case $case_name: disks ${disks[*]}"
case_disks
settle

# ---------------------------------------------------------------- the system
log "unpacking the base system ($FIRMWARE)"
zstd -q -d -c "$kit/rootfs.tar.zst" | tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$root" -xpf -
chroot_mounts guest
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
echo mkcdrec-ref >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmkcdrec-ref\n' >"$root/etc/hosts"
printf '%s\n' "$FSTAB" >"$root/etc/fstab"
mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/etc/default"
printf 'COMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/mkcdrec-ref"
[ -n "$RESUME" ] && printf 'RESUME=%s\n' "$RESUME" >"$root/etc/initramfs-tools/conf.d/resume"
cat >"$root/etc/default/grub" <<GRUB
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200${GRUB_EXTRA_CMDLINE:+ $GRUB_EXTRA_CMDLINE}"
GRUB_TERMINAL="console serial"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
case_configure
if [ ${#EXTRA_PACKAGES[@]} -gt 0 ]; then
    # No initramfs from the packages' triggers: it is made once below, and each costs a minute under TCG.
    sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$root/etc/initramfs-tools/update-initramfs.conf"
    log "installing ${EXTRA_PACKAGES[*]} from the base's package cache"
    in_root apt-get install -y -q --no-install-recommends --no-download \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${EXTRA_PACKAGES[@]}" >&2 \
        || { log "installing ${EXTRA_PACKAGES[*]} failed"; exit 1; }
    sed -i 's/^update_initramfs=.*/update_initramfs=yes/' "$root/etc/initramfs-tools/update-initramfs.conf"
fi
install -m 755 "$kit/autorun.sh" "$root/usr/local/sbin/mkcdrec-autorun"
install -m 755 "$kit/inventory.sh" "$root/usr/local/sbin/mkcdrec-inventory"
install -m 644 "$kit/mkcdrec-autorun.service" "$root/etc/systemd/system/mkcdrec-autorun.service"
ln -sf /etc/systemd/system/mkcdrec-autorun.service "$root/etc/systemd/system/multi-user.target.wants/mkcdrec-autorun.service"
write_payload

# ---------------------------------------------------------------- initramfs and boot loader
log "initramfs and GRUB ($FIRMWARE)"
in_root update-initramfs -u -k all >&2 || { log "update-initramfs failed"; exit 1; }
case_bootloader
in_root grub-mkconfig -o /boot/grub/grub.cfg >&2 || { log "grub-mkconfig failed"; exit 1; }
case_grub_config
grep -q "root=$GRUB_ROOT" "$root/boot/grub/grub.cfg" || { log "grub.cfg does not boot root=$GRUB_ROOT"; grep -m3 'linux.*vmlinuz' "$root/boot/grub/grub.cfg" >&2; exit 1; }

in_root dpkg-query -W -f '${Package} ${Version}\n' >"$out/packages.txt"
in_root apt-get clean
rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
fact CASE "$case_name"
fact FIRMWARE "$FIRMWARE"
fact PAYLOAD_ENTRIES "$(find "$root/srv/payload" "$root/home/alice" | wc -l)"

# ---------------------------------------------------------------- check and stop
ext4s=$(findmnt -rn -o TARGET,SOURCE,FSTYPE | awk -v r="$root" 'index($1, r) == 1 && $3 == "ext4" { print $2 }')
umount_under "$root"
for d in $ext4s; do e2fsck -fn "$d" >&2 || { log "fsck of $d failed"; exit 1; }; done
case_teardown
sync
log "case $case_name built"
