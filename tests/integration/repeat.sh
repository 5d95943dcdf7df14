# A plan's repeat: lts.yaml's x86_64 job booted three times in one run from one build. The jobs
# ID, ID~2 and ID~3 each have their own console, results and history row; the repeats reuse the
# kernel (no make in their build logs) and boot it like the first.
. tests/lib.sh
need_root
out=$(tmpdir)
id=x86_64-trixie-linux-source-6.12-rust-kunit
sed 's/^arches: .*/arches: [x86_64]/' tests/data/plans/lts.yaml >"$out/plan.yaml"
echo "repeat: 3" >>"$out/plan.yaml"
$BM run --results "$out" "$out/plan.yaml"
rc=$?
[ $rc -le 1 ] || fail "bootmatrix run exited $rc"
run=$(ls -d "$out"/2*)
m=$run/matrix.json
[ "$(json_get "$m" '[j["id"] for j in d["jobs"]]')" = "['$id', '$id~2', '$id~3']" ] ||
	fail "jobs: $(json_get "$m" '[j["id"] for j in d["jobs"]]')"
for j in "$id" "$id~2" "$id~3"; do
	st=$(json_get "$m" "[(j['build']['status'], j['boot']['status']) for j in d['jobs'] if j['id']=='$j']")
	[ "$st" = "[('pass', 'pass')]" ] || fail "$j: build and boot $st"
	grep -q 'bootmatrix: kselftest done' "$run/$j/console.log" || fail "$j: its console has no end"
done
for j in "$id~2" "$id~3"; do
	d=$(json_get "$m" "[j['build'].get('detail') for j in d['jobs'] if j['id']=='$j'][0]")
	[ "$d" = "reused: inputs unchanged" ] || fail "$j: its build was not reused: $d"
	grep -q '^\$ make' "$run/$j/build.log" && fail "$j: make ran for a repeat"
done
# the same kernel: the same cases in each boot
cases() { json_get "$m" "sorted((s['name'], c['name']) for j in d['jobs'] if j['id']=='$1' for s in j['suites'] for c in s['cases'])"; }
first=$(cases "$id")
[ "$(cases "$id~2")" = "$first" ] && [ "$(cases "$id~3")" = "$first" ] || fail "the repeats' cases differ"
n=$(sqlite3 "$out/history.sqlite" "select count(*) from jobs where run_id='$(basename "$run")'")
[ "$n" = 3 ] || fail "the history has $n jobs of the run, not 3"
echo "three boots of one build: $(json_get "$m" '[j["boot"]["seconds"] for j in d["jobs"]]') s"
