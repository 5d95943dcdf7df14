# kill -9 in the middle of a run, then --resume: the run completes, and no result recorded
# before the kill is lost or duplicated.
. tests/lib.sh
need_root
out=$(tmpdir)
db=$out/history.sqlite
# -j 1: one boot at a time, so that the kill falls between the two jobs' ends
$BM run -j 1 --results "$out" tests/data/plans/two.yaml >"$out/first.log" 2>&1 &
pid=$!
# Wait for the first job's final result, then kill -9 at once.
wait_for $pid "$out/first.log" "a job's end" '[ "$(sqlite3 "$db" "select count(*) from jobs" 2>/dev/null)" = 1 ]'
kill -9 $pid
wait $pid 2>/dev/null
run=$(sqlite3 "$db" 'select id from runs')
before=$(sqlite3 "$db" "select job_id, build_status, boot_status, kunit_pass from jobs where run_id='$run'")
echo "killed with: $before"
$BM run --results "$out" --resume "$run"; rc=$?
[ $rc -eq 0 ] || fail "resume exited $rc"
[ "$(sqlite3 "$db" "select count(*) from runs")" = 1 ] || fail "resume made a new run"
[ "$(sqlite3 "$db" "select count(*) from jobs where run_id='$run'")" = 2 ] || fail "not exactly two jobs"
[ "$(sqlite3 "$db" "select count(distinct job_id) from jobs where run_id='$run'")" = 2 ] || fail "duplicates"
first=$(echo "$before" | cut -d'|' -f1)
after=$(sqlite3 "$db" "select job_id, build_status, boot_status, kunit_pass from jobs where run_id='$run' and job_id='$first'")
[ "$after" = "$before" ] || fail "the job saved before the kill changed: '$before' -> '$after'"
[ "$(json_get "$out/$run/matrix.json" 'len(d["jobs"])')" = 2 ] || fail "matrix.json lacks a job"
echo "resumed: $(sqlite3 "$db" "select job_id, boot_status from jobs where run_id='$run'" | tr '\n' ' ')"
