# Build and boot riscv64 end to end (see tests/boot-arch.sh); run by make check-arches.
ARCH=riscv64
. tests/boot-arch.sh
