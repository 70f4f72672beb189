#!/usr/bin/env bash
# Regenerates the fuzz seed corpus: small real files made by the real tools (sgdisk, sfdisk, cryptsetup, GNU tar,
# cpio, clang, the installed kernel), each cut to the part our parser reads (< 64 KiB). Works on image files only.
# Run from anywhere; writes next to itself.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p gpt mbr luks tar cpio elf bzimage

# GPT: sgdisk on a 48 KiB image (primary, three partitions, backup); 512-byte sectors, alignment 1.
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

# MBR: sfdisk with primaries, an extended partition and logicals (EBR chain), on a 64 KiB image.
img=$tmp/mbr.img; truncate -s 64K "$img"
printf 'label: dos\nlabel-id: 0x12345678\nstart=2, size=10, type=83, bootable\nstart=12, size=100, type=5\nstart=14, size=20, type=82\nstart=36, size=20, type=83\nstart=58, size=40, type=8e\n' \
    | sfdisk -q --no-reread "$img" >/dev/null
cp "$img" mbr/sfdisk-ebr-chain.img
img=$tmp/mbr2.img; truncate -s 16K "$img"
printf 'label: dos\nstart=1, size=8, type=c\nstart=9, size=20, type=83\n' | sfdisk -q --no-reread "$img" >/dev/null 2>&1 || true
head -c 512 "$img" > mbr/sfdisk-two-primaries.img

# LUKS: cryptsetup on image files; the seed is the header only (what LuksHeader.Read takes).
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

# PAX tar: GNU tar with long names, a symlink, a hard link, ACL/xattr records, a sparse file, a listed-incremental dumpdir.
src=$tmp/src; mkdir -p "$src/dir/$(printf 'n%.0s' {1..120})"
printf 'hello\n' > "$src/dir/file"; ln -s file "$src/dir/link"; ln "$src/dir/file" "$src/dir/hard"
printf 'x' > "$src/dir/$(printf 'n%.0s' {1..120})/deep"
truncate -s 20K "$src/sparse"; printf 'data' | dd of="$src/sparse" bs=1 seek=12000 conv=notrunc status=none
setfacl -m u:4242:rw "$src/dir/file" 2>/dev/null || true
setfattr -n user.fuzz -v seed "$src/dir/file" 2>/dev/null || true
tar -C "$src" --format=pax -b 1 --acls --xattrs --mtime=@1700000000 -cf tar/gnu-pax.tar dir
tar -C "$src" --format=pax -b 1 --sparse -cf tar/gnu-pax-sparse.tar sparse
tar -C "$src" --format=pax -b 1 --listed-incremental="$tmp/snar" -cf tar/gnu-pax-incremental.tar dir
tar -C "$src" --format=gnu -b 1 -cf tar/gnu-longname.tar dir/nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn
tar -C "$src" --format=ustar -b 1 -cf tar/ustar.tar dir/file dir/link

# cpio: newc and crc archives by GNU cpio.
(cd "$src" && find dir sparse | cpio --quiet -o -H newc) > cpio/newc.cpio
(cd "$src" && find dir | cpio --quiet -o -H crc) > cpio/crc.cpio

# ELF: tiny stripped shared objects and a program (DT_NEEDED, DT_SONAME, DT_RUNPATH, PT_INTERP), 64- and 32-bit.
printf 'int f(void){return 1;}\n' > "$tmp/f.c"; printf 'int main(void){return 0;}\n' > "$tmp/m.c"
clang -O1 -shared -fPIC -nostdlib -fuse-ld=lld -Wl,-soname,libfuzzseed.so.1 -Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags \
    -o elf/libseed64.so "$tmp/f.c"
clang -O1 -shared -fPIC -nostdlib -fuse-ld=lld --target=i386-linux-gnu -Wl,-soname,libseed32.so -Wl,--disable-new-dtags -Wl,-rpath,/opt/lib \
    -o elf/libseed32.so "$tmp/f.c"
clang -O1 -fuse-ld=lld -o elf/prog64 "$tmp/m.c"
clang -O1 -fuse-ld=lld --target=powerpc64-linux-gnu -shared -fPIC -nostdlib -o elf/libseed-ppc64be.so "$tmp/f.c"
llvm-strip elf/*

# bzImage: the installed kernel's first 24 KiB (the boot sector, the setup header and the version string in the setup code).
kernel=$(ls /boot/vmlinuz-* | head -1)
head -c 24576 "$kernel" > bzimage/vmlinuz-head
du -sh . && find . -type f -size +64k -print
