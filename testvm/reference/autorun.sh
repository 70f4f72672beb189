#!/bin/sh
# mkcdrec test hook: announce the boot on ttyS0; run /job/job.sh from a disk labelled MKJOB, then power off.
exec >/dev/ttyS0 2>&1
echo "MKCDREC-BOOTED uptime=$(cut -d' ' -f1 /proc/uptime)"
job=/dev/disk/by-label/MKJOB
[ -e $job ] || udevadm settle -t 10
[ -e $job ] || exit 0
mkdir -p /job && mount $job /job || { echo "MKCDREC-JOB-RC=99"; exit 0; }
PATH=/job/bin:$PATH; export PATH
if [ -x /job/job.sh ]; then /job/job.sh; rc=$?; else rc=98; fi
sync; cd /; umount /job
echo "MKCDREC-JOB-RC=$rc"
systemctl --no-block poweroff
