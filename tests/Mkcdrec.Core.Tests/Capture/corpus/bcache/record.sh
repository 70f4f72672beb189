#!/usr/bin/env bash
# Regenerates the bcache-super-show outputs here (root; make-bcache only writes superblocks, so loop devices on a
# kernel without bcache do). The guest-* files come from a guest with the bcache module (Debian 12, kernel 6.1), where a
# registered cache set rewrites its superblock and the label is written through sysfs: run
#   MKCDREC_BCACHE_CORPUS=DIR ./test.sh system -- -class '*BcacheRecreateSystemTests'
# and copy DIR/backing-label.txt, cache-label.txt and sysfs-6.1.txt to guest-backing-writeback-label.txt,
# guest-cache-registered.txt and guest-sysfs-6.1.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); loops=()
cleanup() { set +e; for l in "${loops[@]}"; do losetup -d "$l"; done; rm -rf "$tmp"; }
trap cleanup EXIT
loop() { truncate -s "$2" "$tmp/$1.img"; local l; l=$(losetup -f --show "$tmp/$1.img"); loops+=("$l"); echo "$l"; }
back=$(loop back 64M); cache=$(loop cache 64M); offset=$(loop offset 64M); plain=$(loop plain 32M)
# A cache set and a writeback backing device made together (the backing device gets the set's block size).
make-bcache --cset-uuid 5ad1e1b4-0c1c-4d1e-9c2b-3b0d9f1e2a77 --bucket 256k --block 4k --discard --cache_replacement_policy=fifo \
    -C "$cache" --writeback -B "$back" >/dev/null
make-bcache --data-offset 2048 -B "$offset" >/dev/null
make-bcache -B "$plain" >/dev/null
bcache-super-show "$back" > "$here/backing-writeback.txt"
bcache-super-show "$cache" > "$here/cache-fifo-discard.txt"
bcache-super-show "$offset" > "$here/backing-offset.txt"
bcache-super-show "$plain" > "$here/backing-plain.txt"
