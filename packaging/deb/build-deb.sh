#!/usr/bin/env bash
# Makes mkcdrec_VERSION_amd64.deb from the staged tree: a copy of it plus DEBIAN/ (control with the sizes and the glibc
# the binary needs, conffiles, md5sums, maintainer scripts), packed by dpkg-deb with every file owned by root.
#   packaging/deb/build-deb.sh TREE VERSION OUTDIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 TREE VERSION OUTDIR" >&2; exit 2; }
tree=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

root=$work/root
cp -a "$tree" "$root"
install -d -m 0755 "$root/DEBIAN"
# Debian's only addition to the shared tree: why lintian's embedded-library finding is expected (the .rpm has no lintian).
install -D -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/mkcdrec"

# The newest GLIBC_x.y symbol version the binary links against is the libc6 it needs.
glibc=$(readelf -W --version-info "$root/usr/sbin/mkcdrec" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
[ -n "$glibc" ] || { echo "build-deb.sh: found no GLIBC_ symbol version in the binary" >&2; exit 1; }
size_kib=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@GLIBC@/$glibc/" -e "s/@INSTALLED_SIZE@/$size_kib/" \
    -e "s/@MAINTAINER@/$(sed 's/[&/\]/\\&/g' "$here/../maintainer")/" "$here/control" > "$root/DEBIAN/control"
# The description's first line is the synopsis; the rest becomes the indented extended description.
{ printf 'Description: %s\n' "$(head -n 1 "$here/../description")"; tail -n +3 "$here/../description" | sed -e 's/^$/./' -e 's/^/ /'; } \
    >> "$root/DEBIAN/control"
install -m 0644 "$here/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
# md5sums leaves the conffile out, as dh_md5sums does: dpkg keeps a conffile's sum itself, and the admin edits it.
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | grep -vxF -f <(sed 's:^/::' DEBIAN/conffiles) \
    | LC_ALL=C sort | xargs -d '\n' md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/mkcdrec_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "build-deb.sh: $deb"
