# A second identical run reuses every kernel (no make) and compare finds nothing regressed.
. tests/lib.sh
need_root
out=$(tmpdir)
$BM run --results "$out" tests/data/plans/two.yaml; rc=$?
[ $rc -eq 0 ] || fail "first run exited $rc"
start=$(date +%s)
$BM run --results "$out" tests/data/plans/two.yaml 2>"$out/second.log"; rc=$?
secs=$(($(date +%s) - start))
cat "$out/second.log"
[ $rc -eq 0 ] || fail "second run exited $rc"
second=$(ls -d "$out"/2* | tail -n 1)
for a in x86_64 arm64; do
	d=$(json_get "$second/matrix.json" "[j for j in d['jobs'] if j['arch']=='$a'][0]['build'].get('detail')")
	[ "$d" = "reused: inputs unchanged" ] || fail "$a: the second build was not reused: $d"
	grep -q '^\$ make' "$second"/$a-*/build.log && fail "$a: make ran in the second run"
done
echo "second run: ${secs}s, no make"
$BM compare --results "$out"; rc=$?
[ $rc -eq 0 ] || fail "compare of two identical runs exited $rc"
