# toolchain list / show / diff on the roots the other tests made.
. tests/lib.sh
$BM toolchain list >"$TMPBASE/tc-list" || fail "toolchain list"
cat "$TMPBASE/tc-list"
grep -q '^trixie ' "$TMPBASE/tc-list" || fail "trixie not listed"
grep -q '^sid ' "$TMPBASE/tc-list" || fail "sid not listed"
grep -q '^trixie .*(not created)' "$TMPBASE/tc-list" && skip "the trixie root is not made yet"
$BM toolchain show trixie >"$TMPBASE/tc-show" || fail "toolchain show"
grep -q '^rustc: rustc 1\.85' "$TMPBASE/tc-show" || fail "trixie's manifest lacks rustc 1.85: $(cat "$TMPBASE/tc-show")"
grep -q '^bindgen: bindgen 0\.71' "$TMPBASE/tc-show" || fail "trixie's manifest lacks bindgen 0.71"
[ "$($BM toolchain diff trixie trixie)" = "no differences" ] || fail "a toolchain differs from itself"
$BM toolchain show nosuch >/dev/null 2>"$TMPBASE/tc-err"; rc=$?
[ $rc -eq 2 ] || fail "unknown toolchain: exit $rc"
grep -q "unknown toolchain 'nosuch' (known: sid, trixie, trixie-rustc-web, BASE+rust-VERSION" "$TMPBASE/tc-err" || fail "$(cat "$TMPBASE/tc-err")"
if grep -q '^sid .*(not created)' "$TMPBASE/tc-list"; then
	echo "sid not made: diff against it not checked"
else
	$BM toolchain diff trixie sid | tee "$TMPBASE/tc-diff"
	grep -q '^rustc: rustc 1\.85.* -> rustc 1\.9' "$TMPBASE/tc-diff" || fail "diff does not show the rustc change"
fi
