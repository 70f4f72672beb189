# The Debian mirror the guest and reference images are built from (sourced by build-image.sh and build-reference.sh):
# the host's apt sources, MKCDREC_TESTVM_MIRROR, or deb.debian.org; sets $mirror and $security.
detect_mirror() {
    mirror=${MKCDREC_TESTVM_MIRROR:-}
    if [ -z "$mirror" ]; then
        mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
            | grep -E '^[[:space:]]*(deb|URIs:)[[:space:]]' | grep -oE 'https?://[^ ]+/debian/?' | grep -v security | head -1 || true)
        mirror=${mirror:-http://deb.debian.org/debian}
    fi
    mirror=${mirror%/}
    security=${MKCDREC_TESTVM_SECURITY_MIRROR:-${mirror%/debian}/debian-security}
}
