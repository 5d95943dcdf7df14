# A full disk is the machine's trouble, never the kernel's (issue 15). On small tmpfs mounts:
#   1. a build directory whose file system fills up during the build: the job is infra with the
#      reason, and compare finds no regression against the passing run before it;
#   2. a results directory that is full: no kernel result comes out of it (the run stops as the
#      harness's failure naming the disk, since history.sqlite is there too, or the job is
#      infra), and the next run with room finds no regression.
# The cache of 1 is the test's own (the build must really run there); the toolchain root and the
# source come from the real cache as symbolic links when it has them (libvirt's probed QEMU
# capabilities are copied).
. tests/lib.sh
need_root
d=$(tmpdir)
d=$(cd "$d" && pwd)
# short paths: libvirt's roots are below the cache, and QEMU's sockets below them
m1=$(mktemp -d /tmp/bm-fd1.XXXXXX)
m2=$(mktemp -d /tmp/bm-fd2.XXXXXX)
mount -t tmpfs -o size=48m,mode=700 tmpfs "$m1" || skip "cannot mount a tmpfs here"
trap 'umount "$m1" "$m2" 2>/dev/null; rmdir "$m1" "$m2"' EXIT
mount -t tmpfs -o size=4m tmpfs "$m2" || fail "the second tmpfs did not mount"

$BM run --quiet --arch x86_64 --results "$d/res" tests/data/plans/lts.yaml >"$d/ref.out" 2>&1; rc=$?
[ $rc -le 1 ] || fail "the reference run exited $rc: $(tail -n 3 "$d/ref.out")"

# 1. The build directory on a file system that fills up.
c=$m1/cache
cache_borrow "$c"
BOOTMATRIX_CACHE=$c $BM run --arch x86_64 --results "$d/res" tests/data/plans/lts.yaml \
	>"$d/full-build.out" 2>"$d/full-build.err"; rc=$?
grep -h 'build ' "$d/full-build.err"
[ $rc -le 1 ] || fail "the run exited $rc: $(tail -n 3 "$d/full-build.err")"
m=$(ls "$d"/res/2*/matrix.json | tail -n 1)
st=$(json_get "$m" "d['jobs'][0]['build']['status']")
detail=$(json_get "$m" "d['jobs'][0]['build'].get('detail')")
echo "build: $st: $detail"
[ "$st" = infra ] || fail "a full build directory gave build $st, not infra"
echo "$detail" | grep -Eq "is full|No space left on device" || fail "the reason does not name the disk"
$BM compare --results "$d/res" >"$d/compare1.out"; rc=$?
cat "$d/compare1.out"
[ $rc -eq 0 ] || fail "compare after the full build exited $rc (a false regression?)"

# 2. The results on a file system with no room left: first a run while there is room, then one
# with 32 KiB left, then one with room again.
r=$m2/res
$BM run --quiet --arch x86_64 --results "$r" tests/data/plans/lts.yaml >"$d/room.out" 2>&1; rc=$?
[ $rc -le 1 ] || fail "the run with room exited $rc: $(tail -n 3 "$d/room.out")"
avail=$(df --output=avail -B1 "$m2" | tail -n 1)
head -c $((avail - 32 * 1024)) /dev/zero >"$m2/filler" 2>/dev/null
df -h "$m2" | tail -n 1
$BM run --arch x86_64 --results "$r" tests/data/plans/lts.yaml >"$d/noroom.out" 2>"$d/noroom.err"; rc=$?
echo "the run with no room exited $rc: $(tail -n 1 "$d/noroom.err")"
if [ $rc -eq 2 ]; then
	tail -n 1 "$d/noroom.err" | grep -Eq "No space left on device|database or disk is full|is full" ||
		fail "the harness failure does not name the disk"
else
	[ $rc -le 1 ] || fail "exit $rc"
	m=$(ls "$r"/2*/matrix.json | tail -n 1)
	st=$(json_get "$m" "d['jobs'][0]['status']")
	[ "$st" = infra ] || [ "$st" = pass ] || fail "a full results disk gave $st"
fi
# Room again: the next run compares with the last one that had room, and finds nothing.
rm -f "$m2/filler"
$BM run --quiet --arch x86_64 --results "$r" tests/data/plans/lts.yaml >"$d/again.out" 2>&1; rc=$?
[ $rc -le 1 ] || fail "the run with room again exited $rc: $(tail -n 3 "$d/again.out")"
$BM compare --results "$r" >"$d/compare2.out"; rc=$?
cat "$d/compare2.out"
[ $rc -eq 0 ] || fail "compare after the full results disk exited $rc (a false regression?)"
echo "ok"
