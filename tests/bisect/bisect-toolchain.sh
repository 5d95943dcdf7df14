# A toolchain bisect over three real toolchain images (trixie: rustc 1.85, trixie-rustc-web:
# 1.96, sid: 1.97) finds the planted break: a KUnit case that fails from rustc 1.90 on.
. tests/lib.sh
need_root
[ -n "${BM_KERNEL_SRC:-}" ] || skip "no extracted kernel source in the cache (make check makes it)"
out=$(tmpdir)
tree=$out/linux-rustc
cp -al "$BM_KERNEL_SRC" "$tree" || fail "copy"
# The case fails when the kernel was configured with rustc >= 1.90 (sed -i writes a new file).
sed -i '/^static void list_test_list_init(/,/^}/ s|^\tINIT_LIST_HEAD(&list2);|\tINIT_LIST_HEAD(\&list2);\n\tKUNIT_EXPECT_LT(test, CONFIG_RUSTC_VERSION, 109000);|' "$tree/lib/list-test.c"
grep -q 'CONFIG_RUSTC_VERSION, 109000' "$tree/lib/list-test.c" || fail "the break was not planted"
$BM bisect-toolchain --toolchains trixie,trixie-rustc-web,sid --tree "$PWD/$tree" --arch um \
	--check kunit:list-kunit-test.list_test_list_init --results "$out/res" >"$out/stdout"; rc=$?
cat "$out/stdout"
[ $rc -eq 0 ] || fail "bisect-toolchain exited $rc"
grep -q '^first bad toolchain: trixie-rustc-web$' "$out/stdout" || fail "not trixie-rustc-web"
grep -q '^last good toolchain: trixie$' "$out/stdout" || fail "last good is not trixie"
grep -q '^rustc: rustc 1\.85.* -> rustc 1\.96' "$out/stdout" || fail "the rustc difference is not shown"
rm -rf "$tree"
