#!/usr/bin/env bash
# Builds (once) a reference Debian 12 server of the drill and matrix tiers, and prints its directory.
#
#   testvm/build-reference.sh [--case NAME | --bios | --uefi] [--print|--force]
#
# A case (testvm/reference/cases/NAME.sh; its interface is described in reference/inside.sh) is a storage layout: its
# firmware, its disks, the stack on them (md, LVM, LUKS, btrfs…), its fstab and its boot loader. --bios and --uefi
# are the plain cases (plain-bios, plain-uefi: one GPT disk with /, /home and swap). Every case gets the same Debian system (reference/base.sh, built once per firmware and
# cached as a tarball), the same test payload (reference/payload.sh) and two hooks:
#   /usr/local/sbin/mkcdrec-autorun   on every boot prints "MKCDREC-BOOTED uptime=S" on ttyS0; when a disk labelled
#                                     MKJOB is attached it runs /job/job.sh from it, prints "MKCDREC-JOB-RC=N", powers off
#   /usr/local/sbin/mkcdrec-inventory lists every file with stat, sha256sum, getfattr, getfacl and getcap
# the kernel console on ttyS0 (no serial getty there), and GRUB for BIOS on every disk with a BIOS boot partition, or
# for UEFI on the ESP (\EFI\debian\grubx64.efi and \EFI\BOOT\BOOTX64.EFI).
#
# Two phases: the system tree (configuration, packages, payload, initramfs) natively on this host (reference/system.sh);
# the disks (partitions, the stack, filesystems with the UUIDs the case chose, the tree unpacked, GRUB) in a test guest
# (testvm/run.sh, reference/inside.sh): the build host's kernel may have no md, dm or vfat, and it may run no udev.
#
# Cache: $MKCDREC_TESTVM_CACHE (default /var/cache/mkcdrec-testvm)/ref-<case>-<hash>/ where <hash> covers the scripts
# it is built from. Built in a temporary directory and renamed under a lock; `complete` is written last. Contents:
# disk0.img, disk1.img… (sparse raw images), facts.env (CASE, FIRMWARE, DISKS, DISK_BYTES, the case's UUIDs,
# PAYLOAD_ENTRIES), packages.txt, build.log. Needs root, debootstrap, QEMU, the test guest image (built on first use)
# and the Debian mirror (the host's apt sources, or MKCDREC_TESTVM_MIRROR). Progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${MKCDREC_TESTVM_CACHE:-/var/cache/mkcdrec-testvm}
suite=bookworm
case_name=plain-bios
mode=
while [ $# -gt 0 ]; do
    case $1 in
        --uefi) case_name=plain-uefi ;;
        --bios) case_name=plain-bios ;;
        --case) case_name=${2:?--case needs a name}; shift ;;
        --print|--force) mode=$1 ;;
        *) echo "build-reference: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
case_file=$here/reference/cases/$case_name.sh
[ -f "$case_file" ] || { echo "build-reference: no case $case_name (cases: $(ls "$here/reference/cases" | sed 's/\.sh$//' | tr '\n' ' '))" >&2; exit 2; }

. "$here/mirror.sh"
. "$here/reference/lib.sh"
. "$here/reference/base.sh"
. "$here/reference/system.sh"
. "$here/reference/payload.sh"
EXTRA_PACKAGES=(); RESUME=; GRUB_EXTRA_CMDLINE=; ARCH=amd64
case_configure() { :; }
. "$case_file"

hash=$( { sha256sum "$here/build-reference.sh" "$here/mirror.sh" "$here"/reference/*.sh "$here"/reference/*.service "$case_file" | cut -d' ' -f1; echo "$suite $case_name"; } \
    | sha256sum | cut -c1-16)
dir=$cache_root/ref-$case_name-$hash
if [ "$mode" = --print ]; then echo "$dir"; [ -f "$dir/complete" ] || exit 3; exit 0; fi
if [ -f "$dir/complete" ] && [ "$mode" != --force ]; then echo "$dir"; exit 0; fi

[ "$(id -u)" -eq 0 ] || { log "building the reference system needs root"; exit 5; }
for t in debootstrap chroot flock zstd sgdisk qemu-system-x86_64 setfattr setfacl setcap; do
    command -v $t >/dev/null || { log "missing $t: apt-get install debootstrap util-linux zstd gdisk qemu-system-x86 attr acl libcap2-bin"; exit 5; }
done

mkdir -p "$cache_root"
exec 9>"$cache_root/.ref-build.lock"
if ! flock -n 9; then log "another build is running; waiting for it"; flock 9; fi
if [ -f "$dir/complete" ] && [ "$mode" != --force ]; then echo "$dir"; exit 0; fi

detect_mirror
start=$(date +%s)
if [ "$ARCH" != amd64 ]; then binfmt_on; trap binfmt_off EXIT; trap 'exit 130' INT TERM; fi
base=$(ensure_base "$FIRMWARE" "$ARCH")
work=$(mktemp -d "$cache_root/.ref-$case_name-$hash.XXXXXX")
root=$work/system
out=$work/out
kit=$work/reference
cleanup() {
    binfmt_off
    umount_under "$root"
    if findmnt -rn -o TARGET | grep -q "^$root"; then log "mounts remain under $root; not deleting $work"; return; fi
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$out"
cp -a "$here/reference" "$kit"
fact() { echo "$1=$2" >>"$out/facts.env"; }

# ---------------------------------------------------------------- the system tree, natively on this host
case_ids
prepare_system
log "system phase done after $(( $(date +%s) - start )) s"

if declare -F case_host_disks >/dev/null; then
    # ---------------------------------------------------------------- the disks, here (a case of another architecture)
    # The test guest cannot run the system's own programs (grub-mkimage, setfacl in the chroot); the disks are built from
    # filesystem images made without mounting anything (mkfs -d, mtools), written into place at their partitions.
    log "host phase: the disks of $case_name"
    write_payload_acls
    case_host_disks
    umount_under "$root"
    rm -rf --one-file-system "$root"
else
    pack_system
    # ---------------------------------------------------------------- the disks, in a test guest
    # The build host may have no md, dm or vfat in its kernel and no udev; the test guest has them all.
    disk_args=()
    for mb in "${DISK_MB[@]}"; do disk_args+=(--disk "${mb}M"); done
    log "guest phase: ${#DISK_MB[@]} disk(s) (log: $work/build.log)"
    MKCDREC_TESTVM_TMP=$work/vm MKCDREC_TESTVM_TIMEOUT=3000 "$here/run.sh" --keep --memory 2048 "${disk_args[@]}" --file "$kit" -- \
        "bash /job/files/reference/inside.sh $case_name /job/files/reference" >>"$work/build.log" 2>&1 \
        || { tail -n 40 "$work/build.log" >&2; log "the guest phase failed"; exit 1; }
    vm=$(ls -d "$work"/vm/run-*)
    cat "$vm/share/files/reference/result/facts.env" >>"$out/facts.env" 2>/dev/null || true
    for i in "${!DISK_MB[@]}"; do mv "$vm/disks/scratch$i.img" "$out/disk$i.img"; done
fi
fact CASE "$case_name"
fact FIRMWARE "$FIRMWARE"
fact ARCH "$ARCH"
disk_names=()
for i in "${!DISK_MB[@]}"; do
    disk_names+=("disk$i.img")
    sgdisk -v "$out/disk$i.img" >>"$work/build.log" 2>&1 || { log "sgdisk -v disk$i.img failed"; exit 1; }
done
fact DISKS "${disk_names[*]}"
fact DISK_BYTES "$(for mb in "${DISK_MB[@]}"; do echo $(( mb * 1048576 )); done | tr '\n' ' ' | sed 's/ $//')"
cp "$work/build.log" "$out/"

date -u +%FT%TZ >"$out/complete"
rm -rf "$dir"
mv "$out" "$dir"
log "built $dir in $(( $(date +%s) - start )) s"
echo "$dir"
