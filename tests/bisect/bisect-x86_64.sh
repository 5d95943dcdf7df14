# bisect finds the planted commit on x86_64 within ceil(log2 N) + 1 boots.
ARCH=x86_64
. tests/bisect-arch.sh
