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

# A tool that `make deps-test` (scripts/install-deps) installs: missing, it is a failure that says
# how to get it, never a skip. need TOOL DEBIAN-PACKAGE
need() {
	command -v "$1" >/dev/null 2>&1 ||
		fail "$1 is missing: 'make deps-test' installs it (Debian package $2)"
}

need_root() { [ "$(id -u)" = 0 ] || skip "needs root (debootstrap of the toolchain root)"; }

# The kernel tree `bootmatrix run` extracted into the cache (for kunit.py), unless given.
if [ -z "${BM_KERNEL_SRC:-}" ]; then
	cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
	for d in "$cache"/sources/linux-source-6.12_*; do
		[ -f "$d/tools/testing/kunit/kunit.py" ] && BM_KERNEL_SRC=$d
	done
fi

# A TCP listener on 127.0.0.1 that records every connection it accepts (for tests that show
# something cannot reach the host): start_listener PORT_FILE LOG_FILE writes the port to
# PORT_FILE once listening and sets listener_pid; the test kills it when done.
start_listener() {
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(600)
try:
    while True:
        c, a = s.accept(); open(sys.argv[2], "a").write("connection from %s\n" % (a,)); c.close()
except Exception:
    pass
' "$1" "$2" &
	listener_pid=$!
	_i=0
	until [ -s "$1" ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "the listener did not start"
		sleep 0.1
	done
}

# Poll (every 50 ms, 10 minutes at most) until the shell condition COND holds, while the
# bootmatrix run PID goes on; fail saying WHAT did not happen, with the tail of LOG when the run
# ended first. For tests that kill a run at a chosen moment: wait_for PID LOG WHAT COND
wait_for() {
	_i=0
	until eval "$4"; do
		_i=$((_i + 1))
		[ $_i -lt 12000 ] || { kill "$1"; fail "$3 did not happen: $(tail -n 3 "$2")"; }
		kill -0 "$1" 2>/dev/null || fail "the run ended before $3: $(tail -n 3 "$2")"
		sleep 0.05
	done
}

# A cache of the test's own at DIR (a short path: libvirt's roots and QEMU's sockets go below it)
# that borrows from the real cache what is slow to make and only read: the trixie root and the
# extracted 6.12 sources (symbolic links), libvirt's probed QEMU capabilities (copied).
# cache_borrow DIR; sets $real to the real cache.
cache_borrow() {
	real=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
	mkdir -p "$1/toolchains" "$1/sources" "$1/builds" "$1/libvirt/cache/qemu"
	chmod 700 "$1"
	[ -d "$real/toolchains/trixie/root" ] && ln -s "$real/toolchains/trixie" "$1/toolchains/trixie"
	for _s in "$real"/sources/linux-source-6.12_*; do
		[ -d "$_s" ] && ln -s "$_s" "$1/sources/$(basename "$_s")"
	done
	[ -d "$real/libvirt/cache/qemu/capabilities" ] &&
		cp -a "$real/libvirt/cache/qemu/capabilities" "$1/libvirt/cache/qemu/"
	return 0
}
