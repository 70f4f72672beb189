#!/bin/sh
# mkcdrec-inventory OUT: every entry of the local filesystems as the system's own tools see it (find, stat, sha256sum,
# getfattr, getfacl, getcap), one sorted line per fact, so a recovered system is compared with its source by tools
# that share no code with mkcdrec's walker. Access and change times are left out (no restore can keep them), and so is
# a directory's size (it depends on the directory's history, not on its entries).
set -eu
out=$1
export LC_ALL=C
tmp=$(mktemp -d)
findmnt -rn -o TARGET -t ext2,ext3,ext4,xfs,btrfs,vfat | grep -v '^/job$' | sort >"$tmp/mounts"
: >"$tmp/all"; : >"$tmp/out"
while read -r m; do
    find "$m" -xdev -print0 >>"$tmp/all"
    # path|type|mode|uid|gid|size|mtime (ns)|links
    find "$m" -xdev -printf 'entry %p|%y|%m|%U|%G|%s|%T@|%n\n' | awk -F'|' -v OFS='|' '$2 == "d" { $6 = "-" } { print }' >>"$tmp/out"
    find "$m" -xdev -type l -printf 'link %p|%l\n' >>"$tmp/out"
    find "$m" -xdev \( -type b -o -type c \) -exec stat -c 'device %n|%t:%T' {} + >>"$tmp/out"
    find "$m" -xdev -type f -exec sha256sum {} + | sed 's/^\([0-9a-f]*\)  \(.*\)$/sha256 \2|\1/' >>"$tmp/out"
    # which names share an inode (hard links), as sorted groups
    find "$m" -xdev -type f -links +1 -printf '%i %p\n' | sort -k1,1n -k2 \
        | awk '{ i = $1; sub(/^[0-9]+ /, ""); if (i in g) g[i] = g[i] "|" $0; else g[i] = $0 } END { for (i in g) print "hardlinks " g[i] }' >>"$tmp/out"
done <"$tmp/mounts"
# every extended attribute (user, trusted, security incl. capabilities, system ACLs), hex-encoded, one per line
xargs -0 -r getfattr -h -d -m - -e hex --absolute-names <"$tmp/all" 2>/dev/null \
    | awk '/^# file: /{ f = substr($0, 9); next } /=/{ print "xattr " f "|" $0 }' >>"$tmp/out" || true
xargs -0 -r getfacl -P -n -s -p <"$tmp/all" 2>/dev/null \
    | awk '/^# file: /{ f = substr($0, 9); next } /^#/{ next } NF{ print "acl " f "|" $0 }' >>"$tmp/out" || true
xargs -0 -r getcap <"$tmp/all" 2>/dev/null | sed 's/^\(.*\) \(cap_.*\)$/cap \1|\2/' >>"$tmp/out" || true
sort -u "$tmp/out" >"$out"
rm -rf "$tmp"
