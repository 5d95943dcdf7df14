# Build and boot arm64 end to end (see tests/boot-arch.sh); run by make check-arches.
ARCH=arm64
. tests/boot-arch.sh
