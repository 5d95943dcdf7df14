# The fuzz targets build (clang, libFuzzer, ASan, UBSan) and run a few seconds each without a
# crash, their regression inputs (tests/data/fuzz) included: a smoke run. The real runs are
# `make fuzz` (FUZZ_SECONDS each, 60 by default), outside make check's time budget.
. tests/lib.sh
command -v clang >/dev/null || fail "clang is missing: make deps-test installs it"
make -s fuzz FUZZ_SECONDS=${FUZZ_SECONDS:-5} || fail "make fuzz failed"
