#!/usr/bin/env bash
# Prints the one changelog entry a package of this build carries (Debian's format; the .rpm's %changelog says the
# same): the version and the commit it was built from. The history itself is the repository's git log.
#   packaging/changelog.sh VERSION        (dated SOURCE_DATE_EPOCH, else now)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 VERSION" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
commit=$(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo "an unknown commit")
maintainer=$(cat "$here/maintainer")
printf 'mkcdrec (%s) unstable; urgency=medium\n\n' "$1"
printf '  * Built from the mkcdrec repository at %s (changes: its git log).\n\n' "$commit"
printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")"
