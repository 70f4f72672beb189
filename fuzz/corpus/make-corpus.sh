#!/usr/bin/env bash
# Regenerates the fuzz seed corpus: small real files made by the real tools (sgdisk, sfdisk, cryptsetup, GNU tar,
# cpio, clang, the installed kernel), each cut to the part our parser reads (< 64 KiB). Works on image files only.
# Run from anywhere (root); writes next to itself. With TARGET names, remakes only those seeds.
# The document seeds are made by mkcdrec itself (out/linux-x64/mkcdrec, or $MKCDREC).
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
mkcdrec=${MKCDREC:-$here/../../out/linux-x64/mkcdrec}
targets=("$@")
want() { [ ${#targets[@]} -eq 0 ] || [[ " ${targets[*]} " == *" $1 "* ]]; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A small tree for the archives (tar, cpio, manifests): long names, links, a sparse file, an ACL and an xattr.
src=$tmp/src; mkdir -p "$src/dir/$(printf 'n%.0s' {1..120})"
printf 'hello\n' > "$src/dir/file"; ln -s file "$src/dir/link"; ln "$src/dir/file" "$src/dir/hard"
printf 'x' > "$src/dir/$(printf 'n%.0s' {1..120})/deep"
truncate -s 20K "$src/sparse"; printf 'data' | dd of="$src/sparse" bs=1 seek=12000 conv=notrunc status=none
setfacl -m u:4242:rw "$src/dir/file" 2>/dev/null || true
setfattr -n user.fuzz -v seed "$src/dir/file" 2>/dev/null || true

# GPT: sgdisk on a 48 KiB image (primary, three partitions, backup); 512-byte sectors, alignment 1.
if want gpt; then mkdir -p gpt
img=$tmp/gpt.img; truncate -s 48K "$img"
sgdisk -a 1 -U 11111111-2222-3333-4444-555555555555 -n 1:34:+4K -t 1:ef02 -c 1:"BIOS boot" \
    -n 2:0:+8K -t 2:ef00 -c 2:"EFI ünïcode" -A 2:set:0 -n 3:0:0 -t 3:8300 "$img" >/dev/null
cp "$img" gpt/sgdisk-3parts.img
# The same with the primary header wiped (backup path) and with a hybrid MBR.
cp "$img" gpt/primary-wiped.img; dd if=/dev/zero of=gpt/primary-wiped.img bs=512 seek=1 count=1 conv=notrunc status=none
cp "$img" gpt/hybrid.img; sgdisk -h 2:3 gpt/hybrid.img >/dev/null
# A 4096-byte-sector GPT by sfdisk, through a loop device of that sector size over the image (needs root; else skipped).
img=$tmp/gpt4k.img; truncate -s 60K "$img"
if loop=$(losetup -f --show -b 4096 "$img" 2>/dev/null); then
    printf 'label: gpt\nfirst-lba: 6\nstart=6, size=2, type=L\nstart=8, size=2, type=S\n' | sfdisk -q --no-reread "$loop" >/dev/null || true
    losetup -d "$loop"
    cp "$img" gpt/sfdisk-4096.img
fi
fi

# MBR: sfdisk with primaries, an extended partition and logicals (EBR chain), on a 64 KiB image.
if want mbr; then mkdir -p mbr
img=$tmp/mbr.img; truncate -s 64K "$img"
printf 'label: dos\nlabel-id: 0x12345678\nstart=2, size=10, type=83, bootable\nstart=12, size=100, type=5\nstart=14, size=20, type=82\nstart=36, size=20, type=83\nstart=58, size=40, type=8e\n' \
    | sfdisk -q --no-reread "$img" >/dev/null
cp "$img" mbr/sfdisk-ebr-chain.img
img=$tmp/mbr2.img; truncate -s 16K "$img"
printf 'label: dos\nstart=1, size=8, type=c\nstart=9, size=20, type=83\n' | sfdisk -q --no-reread "$img" >/dev/null 2>&1 || true
head -c 512 "$img" > mbr/sfdisk-two-primaries.img
fi

# LUKS: cryptsetup on image files; the seed is the header only (what LuksHeader.Read takes).
if want luks; then mkdir -p luks
pass=$tmp/pass; printf 'fuzz' > "$pass"
for v in 1 2; do
    img=$tmp/luks$v.img; truncate -s 20M "$img"
    extra=(); [ $v = 2 ] && extra=(--luks2-metadata-size 16k --luks2-keyslots-size 1m --label fuzzseed --subsystem seeds)
    cryptsetup luksFormat -q --type luks$v --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$pass" \
        --uuid 11111111-2222-3333-4444-55555555555$v "${extra[@]}" "$img"
    len=4096; [ $v = 2 ] && len=$((16 * 1024))
    head -c $len "$img" > luks/luks$v-pbkdf2.img
done
img=$tmp/luks2a.img; truncate -s 20M "$img"
cryptsetup luksFormat -q --type luks2 --pbkdf argon2id --pbkdf-force-iterations 4 --pbkdf-memory 32 --pbkdf-parallel 1 \
    --luks2-metadata-size 16k --luks2-keyslots-size 1m --sector-size 4096 --key-file "$pass" "$img"
head -c 16384 "$img" > luks/luks2-argon2id.img
fi

# PAX tar: GNU tar over the tree (ACL/xattr records, sparse, a listed-incremental dumpdir, GNU long names, ustar).
if want tar; then mkdir -p tar
tar -C "$src" --format=pax -b 1 --acls --xattrs --mtime=@1700000000 -cf tar/gnu-pax.tar dir
tar -C "$src" --format=pax -b 1 --sparse -cf tar/gnu-pax-sparse.tar sparse
tar -C "$src" --format=pax -b 1 --listed-incremental="$tmp/snar" -cf tar/gnu-pax-incremental.tar dir
tar -C "$src" --format=gnu -b 1 -cf tar/gnu-longname.tar dir/nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn
tar -C "$src" --format=ustar -b 1 -cf tar/ustar.tar dir/file dir/link
fi

# cpio: newc and crc archives by GNU cpio.
if want cpio; then mkdir -p cpio
(cd "$src" && find dir sparse | cpio --quiet -o -H newc) > cpio/newc.cpio
(cd "$src" && find dir | cpio --quiet -o -H crc) > cpio/crc.cpio
fi

# ELF: tiny stripped shared objects and a program (DT_NEEDED, DT_SONAME, DT_RUNPATH, PT_INTERP), 64- and 32-bit.
if want elf; then mkdir -p elf
printf 'int f(void){return 1;}\n' > "$tmp/f.c"; printf 'int main(void){return 0;}\n' > "$tmp/m.c"
clang -O1 -shared -fPIC -nostdlib -fuse-ld=lld -Wl,-soname,libfuzzseed.so.1 -Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags \
    -o elf/libseed64.so "$tmp/f.c"
clang -O1 -shared -fPIC -nostdlib -fuse-ld=lld --target=i386-linux-gnu -Wl,-soname,libseed32.so -Wl,--disable-new-dtags -Wl,-rpath,/opt/lib \
    -o elf/libseed32.so "$tmp/f.c"
clang -O1 -fuse-ld=lld -o elf/prog64 "$tmp/m.c"
clang -O1 -fuse-ld=lld --target=powerpc64-linux-gnu -shared -fPIC -nostdlib -o elf/libseed-ppc64be.so "$tmp/f.c"
llvm-strip elf/*
fi

# bzImage: the installed kernel's first 24 KiB (the boot sector, the setup header and the version string in the setup code).
if want bzimage; then mkdir -p bzimage
kernel=$(ls /boot/vmlinuz-* | head -1)
head -c 24576 "$kernel" > bzimage/vmlinuz-head
fi

# PE: the headers of Debian's signed shim (two Authenticode signatures) with its certificate table moved right after
# them, and the unsigned shim's headers (no table): what PeSignature reads, in a few KiB instead of a whole EFI program.
if want pe; then mkdir -p pe
python3 - /usr/lib/shim/shimx64.efi.signed pe/shim-signed-headers /usr/lib/shim/shimx64.efi pe/shim-unsigned-headers <<'PY'
import struct, sys
for src, dst in zip(sys.argv[1::2], sys.argv[2::2]):
    data = open(src, 'rb').read()
    pe = struct.unpack_from('<I', data, 0x3C)[0]
    sec = pe + 24 + 112 + 4 * 8                      # PE32+: data directory 4, the certificate table
    off, size = struct.unpack_from('<II', data, sec)
    head = bytearray(data[:1024])
    struct.pack_into('<II', head, sec, 1024 if size else 0, size)
    open(dst, 'wb').write(bytes(head) + data[off:off + size])
PY
fi

# Layouts: real captures by mkcdrec layout save. The loop-device GPT and MBR captures of the Core tests (ext4, xfs, swap,
# btrfs subvolumes, EBRs); the stacks (md RAID, LUKS, LVM, btrfs RAID1) need md and device-mapper, so they come from the
# guest of RecreateSystemTests: MKCDREC_RECREATE_LOGS=DIR keeps each fixture's captured layout as DIR/src-NAME.json
# (copied here as layout/guest-NAME.json by hand; make-corpus does not boot a guest).
if want layout; then mkdir -p layout
cp ../../tests/Mkcdrec.Core.Tests/Capture/corpus/host-loop-gpt/layout.json layout/loop-gpt-btrfs.json
cp ../../tests/Mkcdrec.Core.Tests/Capture/corpus/host-loop-mbr/layout.json layout/loop-mbr-logicals.json
fi

# Manifests: mkcdrec archive create of the tree: plain with volumes, an increment of it, encrypted.
if want manifest || want medium; then
printf 'fuzzpass\n' > "$tmp/pass"
head -c 2500K /dev/urandom > "$src/noise"
"$mkcdrec" archive create --root "$src" --dest "$tmp/full" --id fs-root --volume-size 1M --compress gzip >/dev/null
printf 'changed\n' > "$src/dir/file"
"$mkcdrec" archive create --root "$src" --dest "$tmp/incr" --id fs-root --incremental-from "$tmp/full" >/dev/null
"$mkcdrec" archive create --root "$src" --dest "$tmp/enc" --id fs-root --encrypt --passphrase-file "$tmp/pass" --iterations 1000 >/dev/null
fi
if want manifest; then mkdir -p manifest
cp "$tmp/full/manifest.json" manifest/volumes.json; cp "$tmp/incr/manifest.json" manifest/increment.json
cp "$tmp/enc/manifest.json" manifest/encrypted.json
fi

# medium.json: the second medium of a set mkbackup splits a backup onto (any small kernel and initrd will do).
if want medium; then mkdir -p medium
head -c 40M /dev/urandom > "$src/noise"
"$mkcdrec" archive create --root "$src" --dest "$tmp/big" --id fs-root --compress none --volume-size 8M >/dev/null
kernel=$(ls /boot/vmlinuz-* | head -1)
"$mkcdrec" mkbackup --use-backup "$tmp/big" --layout layout/loop-gpt-btrfs.json --kernel "$kernel" --initrd "$kernel" \
    --medium 32M -o "$tmp/iso" --label FUZZSEED >/dev/null
iso=$(ls "$tmp"/iso/*.iso | sort | sed -n 2p)
xorriso -osirrox on -indev "$iso" -extract /mkcdrec/medium.json medium/set-member-2.json 2>/dev/null
chmod 644 medium/set-member-2.json
fi

# S3 answers: what s3rver (the S3 server of the destination tests) answers to ListObjectsV2, to a missing bucket and to
# ListMultipartUploads (NotImplemented); s3rver cannot page, so the truncated pages follow the S3 API reference's schema.
if want s3-answer; then mkdir -p s3-answer
s3rver=/var/cache/mkcdrec-tools/s3rver/node_modules/.bin/s3rver
"$s3rver" --silent --address 127.0.0.1 --port 4599 --directory "$tmp/s3" >/dev/null 2>&1 & s3pid=$!
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:4599/ && break; sleep 0.2; done
curl -s -X PUT http://127.0.0.1:4599/fuzz >/dev/null
for k in host/2026-12-01T00:00:00Z/manifest.json host/2026-12-01T00:00:00Z/fs-root.0000.tar.zst host/latest; do
    curl -s -X PUT --data-binary seed "http://127.0.0.1:4599/fuzz/$k" >/dev/null
done
curl -s 'http://127.0.0.1:4599/fuzz?list-type=2&prefix=host/' > s3-answer/list-objects.xml
curl -s 'http://127.0.0.1:4599/nobucket?list-type=2' > s3-answer/no-such-bucket.xml
curl -s 'http://127.0.0.1:4599/fuzz?uploads&prefix=host/' > s3-answer/uploads-not-implemented.xml
cat > s3-answer/list-objects-truncated.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>fuzz</Name><Prefix>host/</Prefix><KeyCount>1</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken><Contents><Key>host/latest</Key><LastModified>2026-12-01T00:00:00.000Z</LastModified><ETag>"0d8d2c5d4d4a2a7c4f0f9d1e0a3b2c1d"</ETag><Size>4</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>
XML
cat > s3-answer/uploads-truncated.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>fuzz</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker>host/a.tar.zst</NextKeyMarker><NextUploadIdMarker>VXBsb2FkIElEIGZvciBmdXp6</NextUploadIdMarker><MaxUploads>1</MaxUploads><IsTruncated>true</IsTruncated><Upload><Key>host/a.tar.zst</Key><UploadId>VXBsb2FkIElEIGZvciBmdXp6</UploadId><Initiated>2026-12-01T00:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>
XML
kill $s3pid; wait $s3pid 2>/dev/null || true
fi

du -sh . && find . -type f -size +64k -print
