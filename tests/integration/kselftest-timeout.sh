# A kselftest that hangs is killed by its per-test deadline (bm-timeout in the guest) and
# reported as timeout; the targets after it still run and pass.
. tests/lib.sh
need_root
out=$(tmpdir)
sed "s|@REPO@|$PWD|" tests/data/plans/kselftest-hang.yaml.in >"$out/plan.yaml"
$BM run --results "$out" "$out/plan.yaml"; rc=$?
[ $rc -eq 1 ] || fail "exit $rc, want 1 (a test timed out)"
m=$(ls -d "$out"/2*)/matrix.json
hang='[s for s in d["jobs"][0]["suites"] if s.get("kind")=="kselftest" and s["name"]=="hang"][0]'
st=$(json_get "$m" "[c['status'] for c in $hang['cases']]")
echo "hang: $st"
[ "$st" = "['timeout']" ] || fail "the hanging test is '$st', want timeout"
[ "$(json_get "$m" "[s['status'] for s in d['jobs'][0]['suites'] if s['name']=='size'][0]")" = pass ] ||
	fail "size did not run and pass after the hang"
grep -q "TIMEOUT 3 seconds" "$(ls -d "$out"/2*)"/x86_64-*/console.log || fail "no TIMEOUT line on the console"
[ "$(json_get "$m" 'd["jobs"][0]["boot"]["status"]')" = pass ] || fail "the boot did not pass"
