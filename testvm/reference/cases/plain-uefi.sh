# The plain reference under UEFI (see reference/plain.sh).
FIRMWARE=uefi
. "$here/reference/plain.sh"
