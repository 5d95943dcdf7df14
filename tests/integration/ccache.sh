# Rebuilds reuse the toolchain's compiler cache (ccache in the root, CACHE/ccache/NAME): a kernel
# tree and a copy of it with three files changed, built one after the other in one run (um,
# rust-kunit). The first build fills the cache, the second takes all but the changed files from
# it; `bootmatrix cache` lists the compiler cache with its bound. A bad bound is an input error
# (exit 2) naming the variable.
. tests/lib.sh
need_root
[ -n "${BM_KERNEL_SRC:-}" ] || skip "no linux-source-6.12 tree in the cache (run 'make run' first)"
out=$(tmpdir)
cache=$out/c
cache_borrow "$cache"
export BOOTMATRIX_CACHE=$PWD/$cache
# two trees sharing their files (hard links); the copy's changed files are new files
cp -al "$BM_KERNEL_SRC" "$out/a"
cp -al "$out/a" "$out/b"
changed="lib/kunit/test.c lib/kunit/assert.c lib/string_helpers.c"
for f in $changed; do
	sed -i '1i /* bootmatrix ccache test: changed */' "$out/b/$f"
done
cat >"$out/plan.yaml" <<PLAN
sources:
  - path: $PWD/$out/a
  - path: $PWD/$out/b
toolchains: [trixie]
arches: [um]
configs: [rust-kunit]
PLAN

BOOTMATRIX_CCACHE_SIZE=4X $BM run --results "$out/bad" "$out/plan.yaml" >"$out/bad.log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "a bad BOOTMATRIX_CCACHE_SIZE: exit $rc (want 2): $(tail -n 2 "$out/bad.log")"
grep -q "BOOTMATRIX_CCACHE_SIZE: '4X' is not a size" "$out/bad.log" ||
	fail "the error does not name the variable: $(tail -n 2 "$out/bad.log")"

$BM run --results "$out/results" "$out/plan.yaml" >"$out/run.log" 2>&1
rc=$?
[ $rc -le 1 ] || fail "run exited $rc: $(tail -n 3 "$out/run.log")"
run=$(ls -d "$out"/results/2*)
for j in 0 1; do
	st=$(json_get "$run/matrix.json" "d['jobs'][$j]['build']['status']")
	[ "$st" = pass ] || fail "build $j: $st ($(json_get "$run/matrix.json" "d['jobs'][$j]['build'].get('detail')"))"
done
# "ccache: H of N compilations from the cache (DIR)", one line per kernel build
counts() {
	id=$(json_get "$run/matrix.json" "d['jobs'][$1]['id']")
	line=$(grep '^bootmatrix: ccache: ' "$run/$id/build.log" | tail -n 1)
	[ -n "$line" ] || fail "job $id: no ccache line in its build.log"
	echo "$id: ${line#bootmatrix: }" >&2
	echo "$line" | sed 's/^bootmatrix: ccache: \([0-9]*\) of \([0-9]*\) .*/\1 \2/'
}
set -- $(counts 0)
hits_a=$1 all_a=$2
set -- $(counts 1)
hits_b=$1 all_b=$2
[ "$all_a" -ge 500 ] && [ "$all_b" -ge 500 ] || fail "too few compilations for a kernel: $all_a, $all_b"
# a fresh cache: little of the first build came from it (only what the build compiles twice the
# same way: 33 of 517 for um 6.12)
[ $((hits_a * 10)) -lt "$all_a" ] || fail "the first build took $hits_a of $all_a from an empty cache"
# the copy: everything but the changed files (and what embeds the build's time and count)
misses_b=$((all_b - hits_b))
[ "$misses_b" -ge 3 ] || fail "the changed files came from the cache ($misses_b misses)"
[ "$misses_b" -le 20 ] || fail "the second build compiled $misses_b of $all_b files again"
grep -q "ccache/trixie)" "$run"/*/build.log || fail "the build did not use CACHE/ccache/trixie"

$BM cache >"$out/cache.txt" 2>&1 || fail "bootmatrix cache failed: $(cat "$out/cache.txt")"
line=$(grep '^ccache ' "$out/cache.txt")
echo "$line"
echo "$line" | grep -q ' trixie  bound: 4G' || fail "cache lists no bounded compiler cache: $line"
echo "$line" | grep -q ' MiB ' || fail "the compiler cache is not even a MiB: $line"
echo "ok: rebuild took $hits_b of $all_b compilations from ccache (first build: $hits_a of $all_a)"
