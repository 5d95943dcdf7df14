# Shared helpers for integration tests (sourced). Tests run from the repo root.
BM=${BM:-./bootmatrix}
TMPBASE=${TMPBASE:-build/tests/tmp}
mkdir -p "$TMPBASE"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# A fresh directory for this test's results.
tmpdir() { mktemp -d "$TMPBASE/$(basename "$0" .sh).XXXXXX"; }

# Value of a Python expression over a JSON file: json_get FILE 'expr over d'.
json_get() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

need_root() { [ "$(id -u)" = 0 ] || skip "needs root (debootstrap of the toolchain root)"; }

# The kernel tree `bootmatrix run` extracted into the cache (for kunit.py), unless given.
if [ -z "${BM_KERNEL_SRC:-}" ]; then
	cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
	for d in "$cache"/sources/linux-source-6.12_*; do
		[ -f "$d/tools/testing/kunit/kunit.py" ] && BM_KERNEL_SRC=$d
	done
fi
