#!/usr/bin/env bash
# Starts one test guest with QEMU (TCG) for the runner; exec's QEMU, so this process *is* QEMU.
#
#   testvm/start-vm.sh VMDIR [--uefi] [--memory MiB] [--cpus N] [--disk SIZE]... [--image DIR] [--user-net]
#
# VMDIR/share must exist (the 9p job share, guest /job, with guest-agent.sh in it). Creates
# VMDIR/disks/scratchN.img (sparse raw; SIZE as for truncate: 1G, 512M, bytes) attached as
# virtio disks with serial=scratchN, in order after the root disk (guest /dev/vdb, /dev/vdc, ...),
# writes the serial console to VMDIR/serial.log and QEMU's pid to VMDIR/qemu.pid.
# The cached root image is attached with snapshot=on: the guest's writes never reach it.
# --user-net adds a virtio NIC on QEMU's user network (the guest's 10.0.2.2 is the host's 127.0.0.1); default: no NIC.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vmdir=${1:?usage: start-vm.sh VMDIR [--uefi] [--memory MiB] [--cpus N] [--disk SIZE]... [--image DIR]}
shift
uefi=0 memory=2048 cpus=2 image="" disks=() nic=none
while [ $# -gt 0 ]; do
    case "$1" in
        --uefi) uefi=1 ;;
        --bios) uefi=0 ;;
        --memory) memory=$2; shift ;;
        --cpus) cpus=$2; shift ;;
        --disk) disks+=("$2"); shift ;;
        --image) image=$2; shift ;;
        --user-net) nic=user,model=virtio-net-pci ;;
        *) echo "start-vm.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$image" ] || image=$("$here/build-image.sh" --print) || { echo "start-vm.sh: guest image not built: run testvm/build-image.sh" >&2; exit 5; }
[ -f "$image/complete" ] || { echo "start-vm.sh: $image is not a complete guest image" >&2; exit 5; }
[ -f "$vmdir/share/guest-agent.sh" ] || { echo "start-vm.sh: $vmdir/share/guest-agent.sh missing" >&2; exit 2; }

kernel=$image/vmlinuz
[ $uefi = 0 ] && [ -f "$image/vmlinux" ] && kernel=$image/vmlinux   # PVH entry: faster under SeaBIOS
args=(-nodefaults -no-user-config -accel tcg -cpu max -smp "$cpus" -m "$memory"
      -display none -monitor none -serial "file:$vmdir/serial.log" -nic "$nic" -no-reboot
      -pidfile "$vmdir/qemu.pid"
      -device virtio-rng-pci
      -kernel "$kernel" -initrd "$image/initrd.img"
      -append "console=ttyS0,115200 loglevel=4 panic=-1 mitigations=off net.ifnames=0 random.trust_cpu=on cryptomgr.notests"
      -drive "file=$image/rootfs.img,format=raw,if=none,id=root,snapshot=on,cache=unsafe"
      -device virtio-blk-pci,drive=root,serial=root
      -virtfs "local,path=$vmdir/share,mount_tag=job,security_model=none,id=job")
if [ $uefi = 1 ]; then
    code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
    [ -f $code ] && [ -f $vars ] || { echo "start-vm.sh: OVMF missing: apt-get install ovmf" >&2; exit 5; }
    cp $vars "$vmdir/OVMF_VARS.fd"
    args+=(-machine q35 -drive if=pflash,format=raw,unit=0,readonly=on,file=$code
           -drive "if=pflash,format=raw,unit=1,file=$vmdir/OVMF_VARS.fd")
else
    args+=(-machine pc)
fi
mkdir -p "$vmdir/disks"
i=0
for size in ${disks[@]+"${disks[@]}"}; do
    f=$vmdir/disks/scratch$i.img
    rm -f "$f"; truncate -s "$size" "$f"
    args+=(-drive "file=$f,format=raw,if=none,id=scratch$i,cache=unsafe,discard=unmap,detect-zeroes=unmap"
           -device "virtio-blk-pci,drive=scratch$i,serial=scratch$i")
    i=$((i + 1))
done
: >"$vmdir/serial.log"
exec qemu-system-x86_64 "${args[@]}"
