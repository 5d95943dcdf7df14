# Ctrl-C during a download (a kernel tarball at a URL, served slowly by tests/http_server.py on
# 127.0.0.1) stops the run within seconds, not when the transfer would end: exit 2 with the
# resume hint, the bytes so far kept as the partial file. The cache is the test's own (a short
# path, removed at the end), with the warm toolchain roots of the usual cache linked in (nothing
# is built or booted).
. tests/lib.sh
need_root
B=${B:-build}
CC=${CC:-cc}
out=$PWD/$(tmpdir)
. tests/http-lib.sh
cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
[ -d "$cache/toolchains/trixie" ] || fail "no trixie toolchain in $cache (run 'make run' once)"
# the test's cache at a short path: libvirt's roots are below it, and QEMU's sockets below them
c=$(mktemp -d /tmp/bm-id.XXXXXX)
chmod 700 "$c"
trap 'kill $pids 2>/dev/null; rm -rf "$c"' EXIT
mkdir -p "$out/files"
ln -s "$cache/toolchains" "$c/toolchains"
# and libvirt's probed QEMU capabilities: a new cache's first probe (half a minute) runs beside
# the download, and Ctrl-C cannot cut it short (README)
mkdir -p "$c/libvirt/cache/qemu"
[ -d "$cache/libvirt/cache/qemu/capabilities" ] &&
	cp -a "$cache/libvirt/cache/qemu/capabilities" "$c/libvirt/cache/qemu/"
# 4 MB at 200 kB/s: 20 s if nothing stops it
head -c 4000000 /dev/urandom >"$out/files/linux-9.9.tar.xz"
sha=$(sha256sum "$out/files/linux-9.9.tar.xz" | cut -d' ' -f1)
start_server http --root "$out/files"
cat >"$out/plan.yaml" <<PLAN
sources:
  - url: http://127.0.0.1:$port/slow/200000/files/linux-9.9.tar.xz
    sha256: $sha
toolchains: [trixie]
arches: [x86_64]
configs: [rust-kunit]
PLAN
part=$c/downloads/$sha.part
BOOTMATRIX_CACHE=$c $BM run --results "$out/results" "$out/plan.yaml" >"$out/stdout" 2>"$out/stderr" &
pid=$!
wait_for $pid "$out/stderr" "the download" '[ "$(stat -c %s "$part" 2>/dev/null || echo 0)" -gt 200000 ]'
t0=$(date +%s%N)
kill -INT $pid
wait $pid; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
cat "$out/stderr"
[ $rc -eq 2 ] || fail "exit $rc after SIGINT, want 2"
[ $ms -lt 5000 ] || fail "the run took $ms ms to stop"
grep -q "interrupted.*--resume" "$out/stderr" || fail "no word on how to resume"
size=$(stat -c %s "$part" 2>/dev/null || echo 0)
[ "$size" -gt 0 ] && [ "$size" -lt 4000000 ] || fail "the partial download is $size bytes"
echo "ok: stopped in $ms ms, $size bytes kept for the resume"
