# The plain reference under BIOS (see reference/plain.sh).
FIRMWARE=bios
. "$here/reference/plain.sh"
