# kill -9 in the middle of a bisect, then the same command again: it resumes from git's bisect
# state in its worktree (the steps decided before the kill are not tested again) and finds the
# planted commit; the user's tree is never touched.
ARCH=x86_64
. tests/bisect-lib.sh
out=$(tmpdir)
head_before=$(g rev-parse HEAD)
set -- bisect --tree "$REPO" --good base --bad clean --arch $ARCH --check $CHECK --results "$out"
$BM "$@" >"$out/first" 2>&1 &
pid=$!	# bootmatrix itself: kill -9 must hit it, not a shell around it
# Kill once the second step has started: the first one's verdict is then in git's bisect log.
i=0
until grep -q "/step-02-" "$out/first"; do
	i=$((i + 1))
	kill -0 $pid 2>/dev/null || { cat "$out/first"; fail "the bisect ended before the kill"; }
	[ $i -lt 12000 ] || { kill $pid; fail "no step finished: $(tail -n 3 "$out/first")"; }
	sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null
cat "$out/first"
$BM "$@" >"$out/second" 2>&1; rc=$?
cat "$out/second"
[ $rc -eq 0 ] || fail "the resumed bisect exited $rc"
grep -q "resuming in" "$out/second" || fail "the second bisect did not resume"
grep -q "^step 1:" "$out/first" || fail "the first bisect did not report step 1"
grep -q "^step 1:" "$out/second" && fail "the resumed bisect tested step 1 again"
grep -q "^step 2:" "$out/second" || fail "the resumed bisect did not go on with step 2"
want=$(culprit clean)
grep -q "^first bad commit: $want list: break list_test_list_add" "$out/second" || fail "not the planted commit $want"
[ "$(g rev-parse HEAD)" = "$head_before" ] || fail "the user's tree moved"
echo "ok: resumed after kill -9 and found $want"
