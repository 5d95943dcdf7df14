# Commits 7-9 do not build (an unrelated file), and bisect's first step lands on them: they are
# skipped (the check is about a KUnit case, not the build) and the planted commit is still found.
. tests/bisect-lib.sh
make_branch unbuildable-7-9 7 9
out=$(tmpdir)
$BM bisect --tree "$REPO" --good base --bad unbuildable-7-9 --arch x86_64 --check $CHECK --results "$out" >"$out/stdout"; rc=$?
cat "$out/stdout"
[ $rc -eq 0 ] || fail "bisect exited $rc"
grep -q '^step [0-9]*: [0-9a-f]* skip: build fail' "$out/stdout" || fail "no step was skipped for its build failure"
grep -q "^first bad commit: $(culprit unbuildable-7-9)" "$out/stdout" || fail "not the planted commit"
