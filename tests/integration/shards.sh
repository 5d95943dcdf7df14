# CI shards: two shards of a plan, merged, give the same matrix as one unsharded run.
. tests/lib.sh
need_root
out=$(tmpdir)
p=tests/data/plans/two.yaml
$BM run --quiet --results "$out/whole" $p; rc=$?
[ $rc -le 1 ] || fail "unsharded run exited $rc"
$BM run --quiet --shard 1/2 --results "$out/s1" $p; rc=$?
[ $rc -le 1 ] || fail "shard 1/2 exited $rc"
$BM run --quiet --shard 2/2 --results "$out/s2" $p; rc=$?
[ $rc -le 1 ] || fail "shard 2/2 exited $rc"
[ "$(json_get "$(ls -d "$out"/s1/2*)/matrix.json" 'len(d["jobs"])')" = 1 ] || fail "shard 1 does not hold one job"
$BM merge --results "$out/merged" "$out/s1" "$out/s2"; rc=$?
[ $rc -le 1 ] || fail "merge exited $rc"
merged=$(ls -d "$out"/merged/2*)
for f in report.txt matrix.json report.xml report.md kcidb.json report.html; do
	[ -s "$merged/$f" ] || fail "merged run lacks $f"
done
/usr/bin/python3 - "$(ls -d "$out"/whole/2*)/matrix.json" "$merged/matrix.json" <<'PY' || fail "the merged matrix differs"
import json, sys
def shape(path):
    jobs = json.load(open(path))["jobs"]
    return sorted((j["id"], j["build"]["status"], j["boot"]["status"],
                   [(s["kind"], s["name"], s["status"], s["pass"], s["fail"], s["skip"], s["crash"],
                     [(c["name"], c["status"]) for c in s["cases"]]) for s in j["suites"]])
                  for j in jobs)
a, b = shape(sys.argv[1]), shape(sys.argv[2])
print("whole: %d jobs, merged: %d jobs" % (len(a), len(b)))
sys.exit(0 if a == b else 1)
PY
[ -f "$merged/arm64-trixie-linux-source-6.12-rust-kunit/console.log" ] || fail "merged run lacks the job logs"
