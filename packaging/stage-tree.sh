#!/usr/bin/env bash
# Lays out the installed file tree both packages are made from: the binary, what it prints about itself (man pages,
# bash completion, the example configuration), the systemd units and the documentation.
#   packaging/stage-tree.sh BINARY VERSION DIR        (DIR must not exist; SOURCE_DATE_EPOCH dates the changelog)
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 BINARY VERSION DIR" >&2; exit 2; }
binary=$1 version=$2 tree=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
doc=$tree/usr/share/doc/mkcdrec

# The binary documents itself: a page or script that drifts from its options cannot be shipped. MKCDREC_CONFIG=/dev/null:
# the build machine's own configuration file must not shape what is printed.
reference() { # WHAT FILE
    MKCDREC_CONFIG=/dev/null "$binary" reference "$1" > "$2" || { echo "stage-tree.sh: '$binary reference $1' failed" >&2; exit 1; }
    [ -s "$2" ] || { echo "stage-tree.sh: '$binary reference $1' printed nothing" >&2; exit 1; }
}

install -d -m 0755 "$tree/usr/sbin" "$tree/usr/share/man/man8" "$tree/usr/share/man/man5" \
    "$tree/usr/share/bash-completion/completions" "$tree/etc/mkcdrec" "$tree/usr/lib/systemd/system" "$doc/docs"
install -m 0755 "$binary" "$tree/usr/sbin/mkcdrec"

reference man8 "$tree/usr/share/man/man8/mkcdrec.8"
reference man5 "$tree/usr/share/man/man5/mkcdrec.conf.5"
# -n: no name or time in the gzip header, so the same input gives the same package.
gzip -9n "$tree/usr/share/man/man8/mkcdrec.8" "$tree/usr/share/man/man5/mkcdrec.conf.5"
reference bash-completion "$tree/usr/share/bash-completion/completions/mkcdrec"

# The configuration file: the binary's commented example under a header about the timers, which stay off until the
# admin has said where backups go.
reference config-example "$tree/etc/mkcdrec/example.tmp"
{
    cat "$here/mkcdrec.conf.header"
    cat "$tree/etc/mkcdrec/example.tmp"
} > "$tree/etc/mkcdrec/mkcdrec.conf"
rm "$tree/etc/mkcdrec/example.tmp"
chmod 0644 "$tree/etc/mkcdrec/mkcdrec.conf"

install -m 0644 "$here"/systemd/*.service "$here"/systemd/*.timer "$tree/usr/lib/systemd/system/"

install -m 0644 "$repo/README.md" "$doc/README.md"
install -m 0644 "$repo"/docs/*.md "$doc/docs/"
install -m 0644 "$here/copyright" "$doc/copyright"
"$here/changelog.sh" "$version" | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"
