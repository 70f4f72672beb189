#!/usr/bin/env bash
# Builds mkcdrec's .deb and .rpm from the NativeAOT binary, both from one staged file tree (docs/packaging.md).
#   packaging/build-packages.sh [--binary PATH] [--out DIR] [--version V]
#     --binary  the mkcdrec binary (default out/linux-x64/mkcdrec, as ./build.sh leaves it)
#     --out     where the packages go (default out/packages)
#     --version the package version (default the <Version> of src/Mkcdrec.Cli/Mkcdrec.Cli.csproj); it must be the
#               version the binary reports, optionally followed by ~, + or . and more (0.1.0~rc1, 0.1.0+git5)
# Needs dpkg-deb and rpmbuild (Debian: apt-get install rpm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
binary=$repo/out/linux-x64/mkcdrec
out=$repo/out/packages
version=

die() { echo "build-packages.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case $1 in
        --binary|--out|--version) [ $# -ge 2 ] || { echo "build-packages.sh: $1 needs a value" >&2; exit 2; }; declare "${1#--}=$2"; shift 2 ;;
        -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "build-packages.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

[[ -f $binary && -x $binary ]] || die "the mkcdrec binary $binary is missing: run ./build.sh first (it publishes out/linux-x64/mkcdrec), or give --binary PATH"
for tool in dpkg-deb rpmbuild readelf gzip; do
    command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install dpkg-dev rpm binutils gzip)"
done

# One version: the csproj's, which the binary also reports (after '+' comes the commit it was built from).
source_version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/src/Mkcdrec.Cli/Mkcdrec.Cli.csproj")
[ -n "$source_version" ] || die "no <Version> in src/Mkcdrec.Cli/Mkcdrec.Cli.csproj"
version=${version:-$source_version}
binary_version=$("$binary" --version) || die "$binary --version failed"
binary_version=${binary_version%%+*}
case $version in
    "$binary_version"|"$binary_version"[~+.]*) ;;
    *) die "the binary reports version $binary_version, the package would be $version: rebuild (./build.sh) or give a matching --version" ;;
esac
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "version '$version' is not usable by both dpkg and rpm (digits, letters, . + ~)"

# Dates inside the packages (changelog, file times) follow the commit, so a rebuild of it gives the same contents.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/stage-tree.sh" "$binary" "$version" "$work/tree"
mkdir -p "$out"
out=$(cd "$out" && pwd)
"$here/deb/build-deb.sh" "$work/tree" "$version" "$out"
"$here/rpm/build-rpm.sh" "$work/tree" "$version" "$out"
