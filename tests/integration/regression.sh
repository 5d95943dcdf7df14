# A planted regression: a kernel tree (a hard-linked copy of Debian's 6.12 source) is built and
# booted, then one KUnit case is broken in the source and the tree rebuilt (incrementally) and
# booted again. The failing case is confirmed by a second boot, and compare reports exactly that
# one regression, with exit 1.
. tests/lib.sh
need_root
[ -n "${BM_KERNEL_SRC:-}" ] || skip "no extracted kernel source in the cache (the boot tests make it)"
out=$(tmpdir)
tree=$out/linux
# The tree's build directory is keyed by its path, new in every run of this test: removed at the
# end (what the cache held before is left alone).
cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
builds_before=" $(ls "$cache/builds" 2>/dev/null | tr '\n' ' ') "
remove_new_builds() {
	for b in $(ls "$cache/builds" 2>/dev/null); do
		case $builds_before in *" $b "*) ;; *) rm -rf "${cache:?}/builds/$b" ;; esac
	done
}
trap remove_new_builds EXIT
cp -al "$BM_KERNEL_SRC" "$tree" || fail "cannot copy the kernel tree"
sed "s|@TREE@|$PWD/$tree|" tests/data/plans/planted.yaml.in >"$out/plan.yaml"
$BM run --results "$out/res" "$out/plan.yaml"; rc=$?
[ $rc -eq 0 ] || fail "baseline run exited $rc"
# Break list_test_list_add: sed -i writes a new file, so the cache's tree keeps its link.
grep -q 'KUNIT_EXPECT_PTR_EQ(test, list.next, &b);' "$tree/lib/list-test.c" || fail "the line to break is gone"
sed -i '/^static void list_test_list_add(/,/^}/ s|KUNIT_EXPECT_PTR_EQ(test, list.next, &b);|KUNIT_EXPECT_PTR_EQ(test, list.next, \&a);|' "$tree/lib/list-test.c"
grep -q 'list.next, &b);' "$BM_KERNEL_SRC/lib/list-test.c" || fail "the cache's tree was modified"
$BM run --results "$out/res" "$out/plan.yaml" 2>"$out/second.log"; rc=$?
cat "$out/second.log"
[ $rc -eq 1 ] || fail "the run with the planted failure exited $rc, want 1"
grep -q "booting again to confirm" "$out/second.log" || fail "the failure was not confirmed by a second boot"
$BM compare --results "$out/res" >"$out/compare.txt"; rc=$?
cat "$out/compare.txt"
[ $rc -eq 1 ] || fail "compare exited $rc, want 1"
n=$(grep -c '^regression' "$out/compare.txt")
[ "$n" = 1 ] || fail "$n regressions reported, want exactly 1"
grep -q '^regression .*list-kunit-test.*list_test_list_add' "$out/compare.txt" || fail "not the planted case"
rm -rf "$tree"
