# Ctrl-C (SIGINT) in the middle of a run stops it cleanly: the guest is destroyed, no QEMU or
# build process is left, bootmatrix exits 2 naming how to resume, and --resume finishes the run.
. tests/lib.sh
need_root
out=$(tmpdir)
$BM run --results "$out" tests/data/plans/two.yaml >"$out/stdout" 2>"$out/stderr" &
pid=$!
i=0
until grep -qs "Linux version" "$out"/2*/x86_64-*/console.log; do
	i=$((i + 1))
	[ $i -lt 3000 ] || { kill $pid; fail "the first guest never printed"; }
	sleep 0.05
done
kill -INT $pid
wait $pid; rc=$?
cat "$out/stderr" | tail -n 5
[ $rc -eq 2 ] || fail "exit $rc after SIGINT, want 2"
grep -q "interrupted.*--resume" "$out/stderr" || fail "no word on how to resume"
sleep 1
pgrep -f 'guest=bm-' >/dev/null && fail "a QEMU is left behind"
pgrep -f "bwrap.*$out" >/dev/null && fail "a build is left behind"
run=$(basename "$(ls -d "$out"/2*)")
$BM run --quiet --results "$out" --resume "$run"; rc=$?
[ $rc -eq 0 ] || fail "resume exited $rc"
[ "$(sqlite3 "$out/history.sqlite" "select count(distinct job_id) from jobs where run_id='$run'")" = 2 ] ||
	fail "the resumed run does not hold both jobs"

# A second Ctrl-C exits at once (no waiting for the clean stop), and the guest still dies: the
# reaper sees bootmatrix go without a goodbye. The test kills nothing itself.
# The clean stop can end the run before a second signal is handled (a guest is torn down in
# 30 ms): then the scenario is tried again, up to 5 times, until the second SIGINT lands while
# the run still lives.
for attempt in 1 2 3 4 5; do
	rm -rf "$out"/2*
	$BM run --results "$out" tests/data/plans/two.yaml >"$out/stdout2" 2>"$out/stderr2" &
	pid=$!
	wait_for $pid "$out/stderr2" "the second run's first boot" \
		'grep -qs "Linux version" "$out"/2*/x86_64-*/console.log'
	kill -INT $pid
	wait_for $pid "$out/stderr2" "the first SIGINT's handling" 'grep -q "interrupted: stopping" "$out/stderr2"'
	t0=$(date +%s%N)
	kill -INT $pid 2>/dev/null
	wait $pid; rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	grep -q "interrupted again" "$out/stderr2" && break
	echo "attempt $attempt: the clean stop ended the run before the second SIGINT was handled"
done
cat "$out/stderr2" | tail -n 3
[ $rc -eq 2 ] || fail "exit $rc after the second SIGINT, want 2"
grep -q "interrupted again: exiting now" "$out/stderr2" || fail "no word of the immediate exit"
[ $ms -lt 1000 ] || fail "the second SIGINT took $ms ms to end the process"
i=0
while pgrep -f 'guest=bm-' >/dev/null; do
	i=$((i + 1))
	[ $i -lt 150 ] || fail "a QEMU is left 15 s after the immediate exit"
	sleep 0.1
done
echo "ok: the second SIGINT ended the run in $ms ms, no guest left"
