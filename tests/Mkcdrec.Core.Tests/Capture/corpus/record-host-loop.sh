#!/usr/bin/env bash
# Regenerates the host-loop-* recordings (root; host kernel with loop, ext4, xfs, btrfs).
# Each fixture: recording.json (what `mkcdrec layout save --record` read), layout.json (what it produced live),
# and the peers' view of the same disk: sfdisk.json (sfdisk --json) and blkid.txt (blkid -p -o export per partition).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkcdrec=${MKCDREC:-$here/../../../../out/linux-x64/mkcdrec}
tmp=$(mktemp -d); loops=()
cleanup() { set +e; for m in "$tmp"/m*; do umount "$m" 2>/dev/null; done; for l in "${loops[@]}"; do partx -d "$l" 2>/dev/null; losetup -d "$l"; done; rm -rf "$tmp"; }
trap cleanup EXIT
record() { # name loopdev
    local out=$here/$1; mkdir -p "$out"
    $mkcdrec layout save --disk "$2" -o "$out/layout.json" --record "$out/recording.json" >/dev/null
    sfdisk --json "$2" > "$out/sfdisk.json"
    : > "$out/blkid.txt"
    for p in "$2"p*; do echo "# $p" >> "$out/blkid.txt"; blkid -p -o export "$p" >> "$out/blkid.txt" || true; done
}

# GPT: BIOS boot, ext4 (mounted), xfs (mounted), swap, btrfs with nested subvolumes (mounted).
truncate -s 2G "$tmp/gpt.img"
sgdisk -n1:1M:+1M -t1:EF02 -c1:bios -n2:0:+300M -t2:8300 -c2:root -n3:0:+400M -t3:8300 -c3:data -n4:0:+300M -t4:8200 -n5:0:0 -t5:8300 -A2:set:2 "$tmp/gpt.img" >/dev/null
L=$(losetup -f --show "$tmp/gpt.img"); loops+=("$L"); partx -a "$L"
mkfs.ext4 -q -L rootfs -b 4096 -I 256 "${L}p2"; mkfs.xfs -q -L data "${L}p3"; mkswap -q -L sw "${L}p4"; mkfs.btrfs -q -L bt "${L}p5"
mkdir "$tmp/m1" "$tmp/m2" "$tmp/m3"; mount "${L}p2" "$tmp/m1"; mount "${L}p3" "$tmp/m3"; mount "${L}p5" "$tmp/m2"
btrfs -q subvolume create "$tmp/m2/@home"; btrfs -q subvolume create "$tmp/m2/@home/nested"; btrfs -q subvolume snapshot -r "$tmp/m2/@home" "$tmp/m2/@snap"
head -c 5M /dev/urandom > "$tmp/m1/payload"; sync
record host-loop-gpt "$L"

# MBR: two primaries (one bootable), an extended with three logicals.
truncate -s 1G "$tmp/mbr.img"
printf 'label: dos\nlabel-id: 0x1234abcd\n,100M,83,*\n,100M,82\n,,5\n,100M,83\n,100M,83\n,,8e\n' | sfdisk -q "$tmp/mbr.img"
L=$(losetup -f --show "$tmp/mbr.img"); loops+=("$L"); partx -a "$L"
mkfs.ext4 -q -L boot "${L}p1"; mkswap -q "${L}p2"; mkfs.ext4 -q -t ext3 -L logical5 "${L}p5" 2>/dev/null || mkfs.ext3 -q -L logical5 "${L}p5"; mkfs.ext4 -q "${L}p6"; mkfs.xfs -q "${L}p7"
record host-loop-mbr "$L"
