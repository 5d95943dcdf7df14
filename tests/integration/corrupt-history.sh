# A damaged history (here: a file that is no SQLite database) does not stop the next run: it is
# moved aside with a message saying where, the run completes into a new history, and `report`
# reads that one. Without the fix every later run failed with "file is not a database".
. tests/lib.sh
need_root
out=$(tmpdir)
printf 'SQLite format 3\0but the rest of this file is garbage, as after a full disk\n' >"$out/history.sqlite"
$BM run --arch x86_64 --results "$out" tests/data/plans/lts.yaml >"$out/log" 2>&1
rc=$?
[ $rc -le 1 ] || fail "run exited $rc: $(tail -n 3 "$out/log")"
grep -q "history '$out/history.sqlite' was damaged .*: moved aside to '$out/history.sqlite.corrupt-" "$out/log" ||
	fail "no message about the damaged history: $(head -n 5 "$out/log")"
moved=$(ls "$out"/history.sqlite.corrupt-*) || fail "nothing moved aside"
grep -q "garbage" "$moved" || fail "the damaged file was not kept as it was"
[ "$(sqlite3 "$out/history.sqlite" 'SELECT count(*) FROM runs')" = 1 ] || fail "the new history has no run"
$BM report --results "$out" >/dev/null
[ $? -le 1 ] || fail "report cannot read the new history"
echo "ok: moved aside to $moved, the run completed (exit $rc)"
