#!/usr/bin/env bash
# Regenerates the partition-table corpus: small sparse disk images partitioned by the real tools
# (sgdisk, sfdisk), gzip'd, each with the `sfdisk --json` view of it (the expected result for our reader).
# Needs root for the 4096-byte-sector images (losetup -b 4096). Run from anywhere; writes next to itself.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); loop=""
cleanup() { [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

finish() { # name image json-source
    local name=$1 img=$2 src=$3
    sfdisk --json "$src" | sed -e "s|\"device\": \"[^\"]*\"|\"device\": \"$name.img\"|" -e "s|\"node\": \"[^\"]*[^0-9]\([0-9]*\)\"|\"node\": \"$name.img\1\"|" > "$name.json"
    gzip -9 -n -c "$img" > "$name.img.gz"
}

# 1. GPT by sgdisk, 512-byte sectors: BIOS boot, ESP, root with attributes, a swap in slot 5, fixed GUIDs.
img=$tmp/gpt-sgdisk-512.img; truncate -s 16M "$img"
sgdisk -U 11111111-2222-3333-4444-555555555555 \
    -n 1:2048:+1M -t 1:ef02 -c 1:"BIOS boot" -u 1:AAAAAAAA-0000-0000-0000-000000000001 \
    -n 2:0:+4M -t 2:ef00 -c 2:"EFI System Partition" \
    -n 3:0:+6M -t 3:8304 -c 3:"root ünïcode" -A 3:set:2 -A 3:set:0 -A 3:set:60 -A 3:set:63 \
    -n 5:0:0 -t 5:8200 -c 5:swap "$img" >/dev/null
finish gpt-sgdisk-512 "$img" "$img"

# 2. The same GPT with its primary header wiped (dd): the reader must use the backup.
cp "$img" "$tmp/gpt-primary-wiped-512.img"
dd if=/dev/zero of="$tmp/gpt-primary-wiped-512.img" bs=512 seek=1 count=1 conv=notrunc status=none
cp gpt-sgdisk-512.json gpt-primary-wiped-512.json
sed -i 's/gpt-sgdisk-512/gpt-primary-wiped-512/g' gpt-primary-wiped-512.json
gzip -9 -n -c "$tmp/gpt-primary-wiped-512.img" > gpt-primary-wiped-512.img.gz

# 3. Hybrid MBR by sgdisk -h (partitions 2 and 3 mirrored into the MBR).
cp "$img" "$tmp/gpt-hybrid-512.img"
sgdisk -h 2:3 "$tmp/gpt-hybrid-512.img" >/dev/null
finish gpt-hybrid-512 "$tmp/gpt-hybrid-512.img" "$tmp/gpt-hybrid-512.img"
sfdisk --label-nested dos --json "$tmp/gpt-hybrid-512.img" | sed -e 's|"device": "[^"]*"|"device": "gpt-hybrid-512.img"|' -e 's|"node": "[^"]*[^0-9]\([0-9]*\)"|"node": "gpt-hybrid-512.img\1"|' > gpt-hybrid-512.mbr.json

# 4. MBR by sfdisk with an extended partition and three logicals, 512-byte sectors.
img=$tmp/mbr-sfdisk-512.img; truncate -s 32M "$img"
printf 'label: dos\nlabel-id: 0x0badcafe\nstart=2048, size=4096, type=83, bootable\nstart=6144, size=30000, type=f\nstart=8192, size=3000, type=82\nstart=14336, size=4000, type=8e\nstart=20480, size=6000, type=83\nstart=28672, size=4000, type=7\n' | sfdisk "$img" >/dev/null
finish mbr-sfdisk-512 "$img" "$img"

# 5./6. 4096-byte logical sectors, through a loop device.
img=$tmp/gpt-sgdisk-4096.img; truncate -s 32M "$img"
loop=$(losetup -f --show -b 4096 "$img")
sgdisk -U 66666666-7777-8888-9999-AAAAAAAAAAAA -n 1:0:+4M -t 1:ef00 -c 1:ESP -n 2:0:+8M -t 2:8300 -c 2:root -A 2:set:2 -n 4:0:0 -t 4:fd00 "$loop" >/dev/null
finish gpt-sgdisk-4096 "$img" "$loop"
losetup -d "$loop"; loop=""

img=$tmp/mbr-sfdisk-4096.img; truncate -s 32M "$img"
loop=$(losetup -f --show -b 4096 "$img")
printf 'label: dos\nlabel-id: 0x4096abcd\nstart=256, size=1024, type=83\nstart=2048, size=4000, type=5\nstart=2304, size=1000, type=83\nstart=3584, size=2000, type=82, bootable\n' | sfdisk "$loop" >/dev/null
finish mbr-sfdisk-4096 "$img" "$loop"
losetup -d "$loop"; loop=""
ls -l
