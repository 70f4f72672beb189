#!/bin/bash
# The mkcdrec test-VM agent: runs as PID 1 in the guest (exec'd by guest-init.sh), prepares the
# storage stack, then runs the command files the host drops into the 9p job share:
#   /job/queue/ID.sh        a bash script; ID = 000001, 000002, ... in order (the host writes
#                           ID.sh.tmp and renames it). A first line "# mkcdrec-testvm timeout=SECONDS"
#                           makes the agent kill the command's process group then (exit code 124).
#   /job/out/ID.out|.err    its stdout and stderr, written while it runs
#   /job/out/ID.rc          its exit code and a newline, written last
#   /job/out/ID.diag        on a timeout: the guest's processes at the limit (for the host's message)
#   /job/queue/poweroff     ends the agent and powers the guest off
# A script runs as root in a forked subshell of the agent (sourced with `.`, cwd /root), so `exit N`
# ends it with N; it sees $SCRATCH0.., $SCRATCH_DISKS and a PATH with the job's programs first.
# The runner copies this file into the share on every boot: no image rebuild to change it.
export PATH=/run/mkcdrec-bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb MKCDREC_TESTVM=1
log() { echo "mkcdrec-testvm-agent: $*" >/dev/console 2>/dev/null || echo "mkcdrec-testvm-agent: $*"; }
t0=$(cut -d' ' -f1 /proc/uptime)
stamp() { [ -n "${MKCDREC_TESTVM_TRACE:-}" ] || [ -e /job/trace ] && log "$(cut -d' ' -f1 /proc/uptime) $*"; }

poweroff_now() {
    log "powering off"
    udevadm control --exit 2>/dev/null
    sync
    echo o >/proc/sysrq-trigger
    sleep 30
}
trap poweroff_now TERM INT

# Every driver is a module in Debian's kernel. The kernel loads most on demand (md personalities,
# dm targets, filesystems on mount); these create device nodes the tools expect to find.
modprobe -a -q md_mod raid1 dm_mod dm_crypt loop 2>/dev/null &
modprobe_pid=$!
[ -d /sys/firmware/efi/efivars ] && mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
mount -o remount,rw / 2>/dev/null
hostname mkcdrec-testvm 2>/dev/null
ip link set lo up 2>/dev/null

# Arrays are assembled by the tests, never behind their back by udev's incremental assembly.
mkdir -p /etc/mdadm
printf 'AUTO -all\nDEVICE partitions containers\n' >/etc/mdadm/mdadm.conf
mkdir -p /run/lock /run/lvm /run/cryptsetup /var/lock 2>/dev/null

if [ -x /lib/systemd/systemd-udevd ]; then
    /lib/systemd/systemd-udevd --daemon --resolve-names=never
    stamp "udevd started"
    # block devices only: their by-id links and the md/dm rules; other devices need no drivers here
    udevadm trigger --type=devices --subsystem-match=block --subsystem-match=misc --action=add
    stamp "udev triggered"
    udevadm settle --timeout=60
    stamp "udev settled"
fi

wait $modprobe_pid
stamp "modules loaded"

# The programs the host put in the share (the mkcdrec binary and any extra tools) run from tmpfs.
mkdir -p /run/mkcdrec-bin
if [ -d /job/bin ]; then cp -a /job/bin/. /run/mkcdrec-bin/ && chmod -R a+rx /run/mkcdrec-bin; fi

# Scratch disks in their host order: SCRATCH0=/dev/vdb ... (found by their virtio serial).
scratch=()
for s in /sys/block/vd*/serial; do
    [ -r "$s" ] || continue
    read -r serial <"$s"
    case $serial in scratch[0-9]*) n=${serial#scratch}; [ "$n" -lt 64 ] 2>/dev/null && scratch[$n]=/dev/${s:11:-7} ;; esac
done
for n in "${!scratch[@]}"; do export "SCRATCH$n=${scratch[$n]}"; done
export SCRATCH_DISKS="${scratch[*]}"

mkdir -p /job/out /job/queue
t1=$(cut -d' ' -f1 /proc/uptime)
{
    echo "kernel=$(uname -r)"
    echo "uptime=$t1"
    echo "agent_setup_seconds=$(awk "BEGIN{print $t1-$t0}")"
    echo "firmware=$([ -d /sys/firmware/efi ] && echo uefi || echo bios)"
    echo "scratch=$SCRATCH_DISKS"
} >/job/ready.tmp && mv /job/ready.tmp /job/ready
log "ready after ${t1}s of uptime; scratch disks: ${SCRATCH_DISKS:-none}"

# The job loop. Process creation is slow under TCG (an exec costs ~80 ms, starting bash ~250 ms) and
# every 9p operation is a round trip, so the loop forks no program: it sleeps with `read -t` on a
# FIFO nobody writes, runs each script in a forked subshell (`.`), and does its own timeout.
# The host deletes the files it has consumed; the agent never renames or deletes anything in /job.
mkdir -p /run/jobs
mkfifo /run/jobs/.sleep && exec 3<>/run/jobs/.sleep
set -m   # background jobs get their own process group: a timeout kills the command's whole tree
_next=1 _idle=0
while :; do
    printf -v _id '%06d' "$_next"
    _f=/job/queue/$_id.sh
    if [ -e "$_f" ]; then
        _limit=0
        read -r _header <"$_f"
        case $_header in '# mkcdrec-testvm timeout='*) _limit=${_header#*=} ;; esac
        (
            cd /root 2>/dev/null || cd /
            exec </dev/null >"/job/out/$_id.out" 2>"/job/out/$_id.err" 3<&-
            set -- "$_f"
            unset _next _id _f _limit _header _pid _watch _rc
            set +m
            . "$1"
        ) &
        _pid=$!
        _watch=""
        if [ "$_limit" -gt 0 ] 2>/dev/null; then
            # At the limit: what every process was doing (state, kernel wait channel; the stacks of those in D state) goes
            # to ID.diag for the host's timeout message, then the command's process group is killed.
            ( trap - TERM; read -t "$_limit" -u 3; : >"/run/jobs/$_id.timedout"
              { ps -eo pid,ppid,pgid,stat,wchan:24,etime,args 2>&1
                for st in /proc/[0-9]*/stat; do read -r _s <"$st" 2>/dev/null || continue
                    case "${_s##*) }" in D*) _p=${st#/proc/}; echo "--- stack of ${_p%/stat}"; cat "${st%stat}stack" 2>&1 ;; esac; done
              } >"/job/out/$_id.diag" 2>&1
              kill -TERM -- "-$_pid" 2>/dev/null; read -t 10 -u 3; kill -KILL -- "-$_pid" 2>/dev/null ) &
            _watch=$!
        fi
        wait "$_pid"
        _rc=$?
        [ -n "$_watch" ] && kill "$_watch" 2>/dev/null && wait "$_watch" 2>/dev/null
        [ -e "/run/jobs/$_id.timedout" ] && _rc=124
        echo "$_rc" >"/job/out/$_id.rc"
        _next=$((_next + 1))
        _idle=0
        continue
    fi
    [ -e /job/queue/poweroff ] && break
    # poll fast right after a job (tests send commands back to back), slowly when idle: each poll
    # is a 9p round trip, and an idle guest should leave the CPU to the others
    _idle=$((_idle + 1))
    if [ $_idle -lt 40 ]; then read -t 0.02 -u 3; else read -t 0.25 -u 3; fi
done
poweroff_now
