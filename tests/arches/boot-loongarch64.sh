# Build and boot loongarch64 end to end (see tests/boot-arch.sh); run by make check-arches.
ARCH=loongarch64
. tests/boot-arch.sh
