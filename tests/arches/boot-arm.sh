# Build and boot 32-bit arm (ARMv7) end to end on the newest kernel with trixie's toolchain (see
# tests/boot-arch.sh); run by make check-arches.
ARCH=arm
PLAN=configs/newest-arches.yaml
TOOLCHAIN=trixie
SOURCE=linux-source
. tests/boot-arch.sh
