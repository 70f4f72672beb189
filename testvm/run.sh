#!/usr/bin/env bash
# Boots a test guest, runs one command in it as root, prints its output and exits with its code.
#
#   testvm/run.sh [--uefi] [--disk SIZE]... [--memory MiB] [--file HOSTPATH]... [--keep] -- 'command'
#
# The guest is Debian 12 (the cached image from build-image.sh, built on first use) with the
# storage tools, out/linux-x64/mkcdrec on its PATH (when built), scratch disks of the given sizes
# as $SCRATCH0.. ($SCRATCH_DISKS; also /dev/disk/by-id/virtio-scratchN), files given with --file
# in /job/files/. --keep leaves the VM directory (serial.log, disks) for inspection.
# Exit codes: the command's own, or 125 when the guest could not be started or did not answer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
vmargs=() files=() keep=0 boot_timeout=${MKCDREC_TESTVM_BOOT_TIMEOUT:-300}
while [ $# -gt 0 ]; do
    case "$1" in
        --uefi|--bios) vmargs+=("$1") ;;
        --disk|--memory|--cpus) vmargs+=("$1" "$2"); shift ;;
        --file) files+=("$2"); shift ;;
        --keep) keep=1 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1 (use -- before the command)" >&2; exit 2 ;;
    esac
    shift
done
[ $# -gt 0 ] || { echo "run.sh: no command; usage: run.sh [options] -- 'command'" >&2; exit 2; }
command="$*"

image=$("$here/build-image.sh" | tail -n 1) || exit 125
tmp_root=${MKCDREC_TESTVM_TMP:-/var/tmp/mkcdrec-testvm}
mkdir -p "$tmp_root"
vmdir=$(mktemp -d "$tmp_root/run-$$.XXXXXX")
mkdir -p "$vmdir/share/queue" "$vmdir/share/out" "$vmdir/share/bin" "$vmdir/share/files"
cp "$here/guest-agent.sh" "$vmdir/share/"; [ -n "${MKCDREC_TESTVM_TRACE:-}" ] && touch "$vmdir/share/trace"
if [ -x "$repo/out/linux-x64/mkcdrec" ]; then cp "$repo/out/linux-x64/mkcdrec" "$vmdir/share/bin/"
else echo "run.sh: note: $repo/out/linux-x64/mkcdrec not built (./build.sh); the guest has no mkcdrec" >&2; fi
for f in ${files[@]+"${files[@]}"}; do cp -a "$f" "$vmdir/share/files/"; done

qpid=""
finish() {
    if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
        touch "$vmdir/share/queue/poweroff"
        for _ in $(seq 1 100); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$qpid" 2>/dev/null || true
    fi
    if [ $keep = 1 ]; then echo "run.sh: kept $vmdir" >&2; else rm -rf "$vmdir"; fi
}
trap finish EXIT
trap 'exit 130' INT TERM

start=$(date +%s.%N)
"$here/start-vm.sh" "$vmdir" --image "$image" ${vmargs[@]+"${vmargs[@]}"} 2>"$vmdir/qemu.stderr" &
qpid=$!
fail() { echo "run.sh: $*" >&2; echo "--- qemu stderr:" >&2; cat "$vmdir/qemu.stderr" >&2; echo "--- serial console (last 40 lines):" >&2; tail -n 40 "$vmdir/serial.log" >&2 2>/dev/null; exit 125; }
deadline=$(( $(date +%s) + boot_timeout ))
until [ -f "$vmdir/share/ready" ]; do
    kill -0 $qpid 2>/dev/null || fail "the guest stopped before it was ready"
    [ "$(date +%s)" -lt $deadline ] || fail "the guest was not ready after ${boot_timeout}s"
    sleep 0.1
done
echo "run.sh: guest ready after $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$start}") s ($(tr '\n' ' ' <"$vmdir/share/ready"))" >&2

printf '# mkcdrec-testvm timeout=%s\n%s\n' "${MKCDREC_TESTVM_TIMEOUT:-3600}" "$command" >"$vmdir/share/queue/000001.sh.tmp"
mv "$vmdir/share/queue/000001.sh.tmp" "$vmdir/share/queue/000001.sh"
until [ "$(tail -c 1 "$vmdir/share/out/000001.rc" 2>/dev/null)" = "" ] && [ -s "$vmdir/share/out/000001.rc" ]; do
    kill -0 $qpid 2>/dev/null || fail "the guest stopped while running the command"
    sleep 0.05
done
cat "$vmdir/share/out/000001.out"
cat "$vmdir/share/out/000001.err" >&2
exit "$(cat "$vmdir/share/out/000001.rc")"
