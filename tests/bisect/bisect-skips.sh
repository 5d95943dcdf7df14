# Commits 5-7 do not build: bisect skips them and still names the planted commit.
. tests/bisect-lib.sh
out=$(tmpdir)
$BM bisect --tree "$REPO" --good base --bad unbuildable --arch x86_64 --check build,$CHECK --results "$out" >"$out/stdout"; rc=$?
cat "$out/stdout"
# With build in the check, a build failure is bad: bisect must then name commit 5.
want5=$(g log --format=%H --grep='break the build' unbuildable | head -n 1)
[ $rc -eq 0 ] || fail "bisect (build in the check) exited $rc"
grep -q "^first bad commit: $want5" "$out/stdout" || fail "with build in the check, not commit 5 ($want5)"
$BM bisect --tree "$REPO" --good base --bad unbuildable --arch x86_64 --check $CHECK --results "$out" >"$out/stdout2"; rc=$?
cat "$out/stdout2"
[ $rc -eq 0 ] || fail "bisect exited $rc"
grep -q "^first bad commit: $(culprit unbuildable)" "$out/stdout2" || fail "not the planted commit"
