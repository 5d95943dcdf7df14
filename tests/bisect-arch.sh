. tests/bisect-lib.sh
out=$(tmpdir)
$BM bisect --tree "$REPO" --good base --bad clean --arch $ARCH --check $CHECK --results "$out" >"$out/stdout"; rc=$?
cat "$out/stdout"
[ $rc -eq 0 ] || fail "bisect exited $rc"
want=$(culprit clean)
grep -q "^first bad commit: $want list: break list_test_list_add" "$out/stdout" || fail "not the planted commit $want"
boots=$(sed -n 's/^.* steps, \([0-9]*\) boots;.*/\1/p' "$out/stdout")
[ "$boots" -le $MAX_BOOTS ] || fail "$boots boots, more than $MAX_BOOTS"
grep -q "build [0-9]* s" "$out/stdout" || fail "the step log lacks build times"
sqlite3 "$out/history.sqlite" "select count(*) from jobs where job_id like 'step-%'" | grep -qv '^0$' || fail "steps not in the history"
