# Build and boot um end to end (see tests/boot-arch.sh).
ARCH=um
. tests/boot-arch.sh
