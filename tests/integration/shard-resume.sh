# A CI shard killed with kill -9 and resumed runs exactly its own jobs (the run's --shard is kept
# in the history, not taken from the resuming command line), and merging it with the other shard
# gives the whole plan. Before, the resumed shard ran every job of the plan and merge failed.
. tests/lib.sh
need_root
out=$(tmpdir)
p=tests/data/plans/two.yaml
db=$out/s1/history.sqlite
$BM run --shard 1/2 --results "$out/s1" $p >"$out/first.log" 2>&1 &
pid=$!
# kill -9 once the shard's job boots (its console exists), before it is saved
wait_for $pid "$out/first.log" "the shard's boot" 'ls "$out"/s1/2*/*/console.log >/dev/null 2>&1'
kill -9 $pid
wait $pid 2>/dev/null
run=$(sqlite3 "$db" 'select id from runs')
[ "$(sqlite3 "$db" "select shard || '/' || shards from runs")" = 1/2 ] || fail "the run's shard was not saved"
[ "$(sqlite3 "$db" "select count(*) from jobs where run_id='$run'")" = 0 ] || fail "the kill came after the job was saved"
$BM run --results "$out/s1" --resume "$run" >"$out/resume.log" 2>&1; rc=$?
[ $rc -le 1 ] || fail "resume exited $rc: $(tail -n 3 "$out/resume.log")"
grep -q "1 job left" "$out/resume.log" || fail "resume did not take the shard's one job: $(grep 'run ' "$out/resume.log")"
[ "$(sqlite3 "$db" "select count(*) from jobs where run_id='$run'")" = 1 ] || fail "the resumed shard holds $(sqlite3 "$db" "select count(*) from jobs") jobs, not 1"
[ "$(json_get "$out/s1/$run/matrix.json" 'len(d["jobs"])')" = 1 ] || fail "matrix.json is not the shard's"
$BM run --quiet --shard 2/2 --results "$out/s2" $p; rc=$?
[ $rc -le 1 ] || fail "shard 2/2 exited $rc"
$BM merge --results "$out/merged" "$out/s1" "$out/s2" >"$out/merge.log" 2>&1; rc=$?
[ $rc -le 1 ] || fail "merge exited $rc: $(cat "$out/merge.log")"
[ "$(json_get "$(ls -d "$out"/merged/2*)/matrix.json" 'len(d["jobs"])')" = 2 ] || fail "the merged run lacks a job"
echo "ok: shard 1/2 killed and resumed ran its 1 job; merged with 2/2: 2 jobs"
