# The plain reference layout (sourced by cases/plain-bios.sh and plain-uefi.sh): one 2560 MiB GPT disk,
#   BIOS: p1 BIOS boot (1 MiB), p2 ext4 /, p3 ext4 /home, p4 swap; GRUB for BIOS in the MBR.
#   UEFI: p1 ESP (vfat, 64 MiB), p2 /, p3 /home, p4 swap.
DISK_MB=(2560)

case_ids() {
    preset ROOT_UUID "$(new_uuid)"; preset HOME_UUID "$(new_uuid)"; preset SWAP_UUID "$(new_uuid)"
    preset ESP_ID "$(new_fat_id)"; preset GRUB_ROOT "UUID=$ROOT_UUID"
    local esp_uuid=; [ "$FIRMWARE" = uefi ] && esp_uuid=${ESP_ID:0:4}-${ESP_ID:4:4}
    FSTAB="UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1
UUID=$HOME_UUID /home ext4 defaults 0 2${esp_uuid:+
UUID=$esp_uuid /boot/efi vfat umask=0077 0 1}
UUID=$SWAP_UUID none swap sw 0 0"
    RESUME=UUID=$SWAP_UUID
    fact ROOT_UUID "$ROOT_UUID"; fact HOME_UUID "$HOME_UUID"; fact SWAP_UUID "$SWAP_UUID"; fact ESP_UUID "$esp_uuid"
}

case_disks() {
    local d=${disks[0]} n
    if [ "$FIRMWARE" = bios ]; then
        sgdisk -n1:1M:+1M -t1:ef02 -c1:biosboot \
               -n2:0:+1700M -t2:8300 -c2:root -n3:0:+512M -t3:8302 -c3:home -n4:0:0 -t4:8200 -c4:swap "$d" >/dev/null
    else
        sgdisk -n1:1M:+64M -t1:ef00 -c1:esp \
               -n2:0:+1700M -t2:8300 -c2:root -n3:0:+512M -t3:8302 -c3:home -n4:0:0 -t4:8200 -c4:swap "$d" >/dev/null
    fi
    partx -u "$d" 2>/dev/null || true; settle
    for n in 1 2 3 4; do [ -b "$(part "$d" $n)" ] || { log "no partition node $(part "$d" $n)"; exit 1; }; done
    mkfs.ext4 -q -L refroot -U "$ROOT_UUID" "$(part "$d" 2)"
    mkfs.ext4 -q -L refhome -U "$HOME_UUID" "$(part "$d" 3)"
    mkswap -q -L refswap -U "$SWAP_UUID" "$(part "$d" 4)" >/dev/null
    [ "$FIRMWARE" = uefi ] && mkfs.vfat -F 32 -n REFESP -i "$ESP_ID" "$(part "$d" 1)" >/dev/null
    mount "$(part "$d" 2)" "$root"
    mkdir -p "$root/home"
    mount "$(part "$d" 3)" "$root/home"
}

case_bootloader() {
    if [ "$FIRMWARE" = bios ]; then bios_grub_on "${disks[0]}"; else uefi_grub_on_esp "$(part "${disks[0]}" 1)" "$ROOT_UUID" /boot/grub; fi
}
