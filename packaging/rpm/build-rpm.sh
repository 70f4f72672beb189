#!/usr/bin/env bash
# Makes mkcdrec-VERSION-1.x86_64.rpm from the staged tree: fills in mkcdrec.spec.in (the file list from the tree, the
# conffile as %config(noreplace)) and runs rpmbuild -bb in a temporary _topdir, so nothing lands in ~/rpmbuild.
#   packaging/rpm/build-rpm.sh TREE VERSION OUTDIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 TREE VERSION OUTDIR" >&2; exit 2; }
tree=$(cd "$1" && pwd) version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
packaging=$(dirname "$here")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shopt -u patsub_replacement 2>/dev/null || true # bash 5.2: '&' in a ${x//a/b} replacement is literal again

# The conffiles are the .deb's list, so both packages protect the same files.
files() {
    (cd "$tree" && find etc/mkcdrec usr/share/doc/mkcdrec -type d -printf '%%dir /%p\n')
    (cd "$tree" && find . -type f -printf '/%P\n') | LC_ALL=C sort | while read -r f; do
        if grep -qxF "$f" "$packaging/deb/conffiles"; then echo "%config(noreplace) $f"; else echo "$f"; fi
    done
}

date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" '+%a %b %d %Y')
change=$("$packaging/changelog.sh" "$version" | sed -n 's/^  \* //p')
spec=$(<"$here/mkcdrec.spec.in")
spec=${spec//@VERSION@/$version}
spec=${spec//@SUMMARY@/$(head -n 1 "$packaging/description")}
spec=${spec//@DESCRIPTION@/$(tail -n +3 "$packaging/description")}
spec=${spec//@MAINTAINER@/$(cat "$packaging/maintainer")}
spec=${spec//@TREE@/$tree}
spec=${spec//@FILES@/$(files)}
spec=${spec//@DATE@/$date}
spec=${spec//@CHANGE@/$change}
printf '%s\n' "$spec" > "$work/mkcdrec.spec"

rpmbuild -bb --quiet --define "_topdir $work" --target x86_64-linux "$work/mkcdrec.spec" >"$work/rpmbuild.log" 2>&1 || {
    cat "$work/rpmbuild.log" >&2
    echo "build-rpm.sh: rpmbuild failed (spec: generated from $here/mkcdrec.spec.in)" >&2
    exit 1
}
mkdir -p "$out"
rpm=$out/mkcdrec-$version-1.x86_64.rpm
cp "$work/RPMS/x86_64/mkcdrec-$version-1.x86_64.rpm" "$rpm"
echo "build-rpm.sh: $rpm"
