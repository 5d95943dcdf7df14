# Two runs on one cache at the same time, with the same jobs (issue 15): both finish with the
# same results; the kernel both need is built once (one run builds it, the other waits for that
# build and reuses it); both boot QEMU guests at once through libvirt's embedded driver, each in
# a root of its own, and a later run removes the roots of the two (their processes are gone).
# The test's cache is removed at the end when all went well.
#
# The cache is the test's own, so that um is really built here. What is slow to make and only
# read by the runs comes from the real cache when it is there (symbolic links): the toolchain
# root, the extracted source, the x86_64 build of lts.yaml (reused, booted) and libvirt's probed
# QEMU capabilities (copied).
. tests/lib.sh
need_root
d=$(tmpdir)
d=$(cd "$d" && pwd)
# short: libvirt's roots are below it, and QEMU's sockets below them
c=$(mktemp -d /tmp/bm-cc.XXXXXX)
cache_borrow "$c"
for b in "$real"/builds/x86_64-trixie-linux-source-6.12-rust-kunit-*; do
	[ -f "$b/bm-built" ] && ln -s "$b" "$c/builds/$(basename "$b")"
done
export BOOTMATRIX_CACHE=$c

start=$(date +%s)
$BM run --arch x86_64 --arch um --results "$d/a" tests/data/plans/lts.yaml >"$d/a.out" 2>"$d/a.err" &
pa=$!
$BM run --arch um --arch x86_64 --results "$d/b" tests/data/plans/lts.yaml >"$d/b.out" 2>"$d/b.err" &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
echo "both runs done in $(($(date +%s) - start)) s (exit $ra and $rb)"
grep -h 'waiting for another\|build pass\|boot ' "$d/a.err" | sed 's/^/a: /'
grep -h 'waiting for another\|build pass\|boot ' "$d/b.err" | sed 's/^/b: /'
[ $ra -le 1 ] || fail "run a exited $ra: $(tail -n 3 "$d/a.err")"
[ $rb -le 1 ] || fail "run b exited $rb: $(tail -n 3 "$d/b.err")"
[ $ra = $rb ] || fail "the runs disagree: exit $ra and $rb"
ma=$(ls "$d"/a/2*/matrix.json) && mb=$(ls "$d"/b/2*/matrix.json) || fail "no matrix.json"

# Results: every job built and booted, the same outcome and case counts in both runs.
summary='sorted((j["arch"], j["status"], j["build"]["status"], j["boot"]["status"], sorted(j["totals"].items())) for j in d["jobs"])'
sa=$(json_get "$ma" "$summary") && sb=$(json_get "$mb" "$summary") || fail "reading the results"
echo "a: $sa"
echo "b: $sb"
[ "$sa" = "$sb" ] || fail "the runs' results differ"
for a in x86_64 um; do
	st=$(json_get "$ma" "[j['build']['status'] for j in d['jobs'] if j['arch']=='$a'][0]")
	[ "$st" = pass ] || fail "$a: build $st"
done
st=$(json_get "$ma" "[j['boot']['status'] for j in d['jobs'] if j['arch']=='x86_64'][0]")
[ "$st" = pass ] || fail "x86_64: boot $st (two embedded drivers at once)"

# Built once: make ran in one run's build.log at most, for um (absent from this cache) in exactly
# one; the other run reused that build.
for a in x86_64 um; do
	n=0
	for log in "$d"/a/2*/$a-*/build.log "$d"/b/2*/$a-*/build.log; do
		grep -q '^\$ make' "$log" && n=$((n + 1))
	done
	echo "$a: make ran in $n of the 2 runs"
	[ $n -le 1 ] || fail "$a was built twice"
done
[ $n = 1 ] || fail "um was not built at all (n=$n)"
cat "$d"/a/2*/um-*/build.log "$d"/b/2*/um-*/build.log | grep -q 'inputs unchanged since the last build' ||
	fail "the second run did not reuse um"
cat "$d/a.err" "$d/b.err" | grep -q 'waiting for another bootmatrix process' ||
	fail "neither run waited for the other"

# Each run had an embedded root of its own; the next run sweeps both (their processes are gone).
[ -d "$c/libvirt/$pa" ] && [ -d "$c/libvirt/$pb" ] || fail "roots: $(ls "$c/libvirt")"
$BM run --quiet --arch x86_64 --results "$d/c" tests/data/plans/lts.yaml >"$d/c.out" 2>&1; rc=$?
[ $rc -le 1 ] || fail "the third run exited $rc: $(tail -n 3 "$d/c.out")"
[ ! -e "$c/libvirt/$pa" ] && [ ! -e "$c/libvirt/$pb" ] && [ ! -e "$c/libvirt/$pa.lock" ] ||
	fail "the dead runs' roots are still there: $(ls "$c/libvirt")"
echo "roots after a third run: $(ls "$c/libvirt" | tr '\n' ' ')"
rm -rf "$c"
echo "ok"
