# bisect finds the planted commit on arm64 (a TCG-only guest) within ceil(log2 N) + 1 boots.
ARCH=arm64
. tests/bisect-arch.sh
