#!/usr/bin/env bash
# The guest phase of build-reference.sh, run in a throwaway test guest (testvm/run.sh) whose scratch disks become the
# reference system's disks: a kernel with md, dm, LUKS, btrfs and vfat, and udev, which the build host may lack. Only
# the block work runs here (TCG is slow); the system tree was prepared on the host (reference/system.sh).
#   bash inside.sh CASE KIT     KIT: this directory with system.tar.zst and ids.env; results go to KIT/result
#
# A case file (cases/NAME.sh) sets FIRMWARE, DISK_MB=(…) and optionally EXTRA_PACKAGES=(…) (installed offline from the
# base's package cache) and GRUB_EXTRA_CMDLINE, and defines:
#   on the host:   case_ids          every UUID (preset NAME VALUE), FSTAB, RESUME, GRUB_ROOT, facts (fact K V)
#                  case_configure    (optional) the stack's files in the system tree (mdadm.conf, crypttab…)
#   in the guest:  case_disks        partitions, the stack and filesystems with the preset UUIDs, mounted under $root
#                  case_bootloader   GRUB on the disks (bios_grub_on, uefi_grub_on_esp)
#                  case_grub_config  (optional) after grub-mkconfig
#                  case_teardown     (optional) last, after the filesystems are unmounted: stop the stack, snapshots
set -euo pipefail
case_name=$1 kit=$2
here=$(cd "$kit/.." && pwd)     # so "$here/reference/…" in the case files finds the kit
. "$kit/lib.sh"
. "$kit/payload.sh"
case_grub_config() { :; }
case_teardown() { :; }
. "$kit/cases/$case_name.sh"
. "$kit/ids.env"

out=$kit/result
mkdir -p "$out"
root=/mnt/reference
mkdir -p "$root"
read -ra disks <<<"$SCRATCH_DISKS"
[ ${#disks[@]} -eq ${#DISK_MB[@]} ] || { log "the guest has ${#disks[@]} scratch disk(s), the case needs ${#DISK_MB[@]}"; exit 1; }
fact() { echo "$1=$2" >>"$out/facts.env"; }
settle() { udevadm settle -t 30 || true; }

log "guest phase, case $case_name: disks ${disks[*]}"
case_disks
settle
log "unpacking the system"
zstd -q -d -c "$kit/system.tar.zst" | tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$root" -xpf -
chroot_mounts guest
write_payload_acls
log "GRUB ($FIRMWARE)"
case_bootloader
in_root grub-mkconfig -o /boot/grub/grub.cfg >&2 || { log "grub-mkconfig failed"; exit 1; }
case_grub_config
grep -q "root=$GRUB_ROOT" "$root/boot/grub/grub.cfg" || { log "grub.cfg does not boot root=$GRUB_ROOT"; grep -m3 'linux.*vmlinuz' "$root/boot/grub/grub.cfg" >&2; exit 1; }

ext4s=$(findmnt -rn -o TARGET,SOURCE,FSTYPE | awk -v r="$root" 'index($1, r) == 1 && $3 == "ext4" { print $2 }')
umount_under "$root"
for d in $ext4s; do e2fsck -fn "$d" >&2 || { log "fsck of $d failed"; exit 1; }; done
case_teardown
sync
log "case $case_name built"
