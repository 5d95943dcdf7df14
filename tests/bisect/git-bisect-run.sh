# git bisect run bootmatrix check finds the same commit.
. tests/bisect-lib.sh
out=$(tmpdir)
bm=$PWD/bootmatrix
res=$PWD/$out/results
wt=$PWD/$out/tree
git -C "$REPO" worktree add -q --detach "$wt" clean || fail "worktree"
(cd "$wt" && git bisect start clean base >/dev/null && \
	git bisect run "$bm" check --arch x86_64 --check $CHECK --results "$res") >"$out/log" 2>&1
found=$(grep ' is the first bad commit' "$out/log" | cut -d' ' -f1)
git -C "$wt" bisect reset >/dev/null 2>&1
git -C "$REPO" worktree remove --force "$wt"
tail -n 20 "$out/log"
[ "$found" = "$(culprit clean)" ] || fail "git bisect run found '$found'"
