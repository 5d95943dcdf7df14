# Build and boot x86_64 end to end (see tests/boot-arch.sh).
ARCH=x86_64
. tests/boot-arch.sh
