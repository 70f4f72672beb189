#!/bin/sh
# PID 1 of the mkcdrec test guest (baked into the cached image; keep it small and stable).
# It only prepares the minimum to reach the host's 9p job share, then hands over to the agent
# script the runner puts there fresh on every boot (testvm/guest-agent.sh), so changing the
# agent never forces an image rebuild.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
[ -e /dev/null ] || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm /run /tmp /job
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
[ -d /sys/module/9pnet_virtio ] || modprobe -a -q virtio_pci 9pnet_virtio 9p
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none job /job \
   && [ -f /job/guest-agent.sh ]; then
    exec /bin/bash /job/guest-agent.sh
fi
echo "mkcdrec-testvm-init: no job share (9p tag 'job' with guest-agent.sh); powering off" >&2
echo o > /proc/sysrq-trigger
sleep 10
