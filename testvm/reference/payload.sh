# The test payload every reference system carries (sourced): write_payload fills the system tree $root with a few
# thousand files under /srv/payload and /home/alice: hard links, sparse files, user.* xattrs, a file capability,
# setuid/setgid files, a fifo, a device node, absolute and relative symlinks and names that are not UTF-8;
# write_payload_acls adds ACLs (access and default) in the guest phase.
write_payload() {
    log "writing the test payload"
    local P=$root/srv/payload H=$root/home/alice/payload i d
    mkdir -p "$P" "$H"
    for i in $(seq 1 1500); do
        d=$P/d$((i % 40)); [ -d "$d" ] || mkdir "$d"
        printf 'payload file %d %s\n' "$i" "$RANDOM$RANDOM" >"$d/f$i"
    done
    for i in $(seq 1 1000); do
        d=$H/h$((i % 25)); [ -d "$d" ] || mkdir "$d"
        printf 'home file %d %s\n' "$i" "$RANDOM" >"$d/g$i"
    done
    head -c 8M /dev/urandom >"$P/random.bin"
    head -c 16M /dev/zero | tr '\0' 'a' >"$H/compressible.txt"
    # hard links (within one filesystem), a chain of three
    ln "$P/d1/f1" "$P/hardlink-1"; ln "$P/d1/f1" "$P/d2/hardlink-2"; ln "$H/h1/g1" "$H/hardlink"
    # sparse files: 256 MiB with data at three places; a file that is all hole
    truncate -s 256M "$P/sparse.img"
    printf 'start' | dd of="$P/sparse.img" conv=notrunc status=none
    printf 'middle' | dd of="$P/sparse.img" bs=1M seek=100 conv=notrunc status=none
    printf 'end' | dd of="$P/sparse.img" bs=1 seek=$((256 * 1048576 - 3)) conv=notrunc status=none
    truncate -s 64M "$H/hole-only"
    # xattrs and ACLs
    setfattr -n user.mkcdrec.color -v blue "$P/d3/f3"
    setfattr -n user.mkcdrec.bin -v 0x00ff10 "$P/d3/f43"
    setfattr -n user.mkcdrec.note -v "on a directory" "$P/d4"
    # a file capability and setuid/setgid files, a setgid directory, sticky
    cp "$root/usr/bin/true" "$root/usr/local/bin/captest"; setcap cap_net_raw+ep "$root/usr/local/bin/captest"
    cp "$root/usr/bin/true" "$root/usr/local/bin/suidtest"; chmod 4755 "$root/usr/local/bin/suidtest"
    cp "$root/usr/bin/true" "$P/sgidtest"; chown 0:100 "$P/sgidtest"; chmod 2755 "$P/sgidtest"
    mkdir "$P/shared"; chown 1000:100 "$P/shared"; chmod 3775 "$P/shared"
    # names that are not UTF-8, a fifo, a device node, symlinks absolute and relative
    printf 'latin-1 name\n' >"$P/caf$(printf '\351')"
    mkdir "$P/dir-$(printf '\377\376')"; printf 'x\n' >"$P/dir-$(printf '\377\376')/inside"
    mkfifo "$P/fifo"
    mknod "$P/null-copy" c 1 3
    ln -s /etc/hostname "$P/abs-link"; ln -s d1/f1 "$P/rel-link"; ln -s /nonexistent "$P/dangling"
    chown -R 1000:1000 "$root/home/alice"
    touch -d '2001-02-03 04:05:06.123456789' "$P/d7/f7"
}

# The payload's ACLs, set in the guest phase inside the system (in_root): an ACL names its user and group, and tar
# carries the build host's names for them (uid 1000 is someone else there), which the unpacking cannot resolve.
write_payload_acls() {
    in_root setfacl -m u:1000:rw,g:100:r /srv/payload/d5/f5
    in_root setfacl -d -m u:1000:rwx /srv/payload/d6
    in_root setfacl -m u:1000:rwx /srv/payload/d6
}
