# Toolchains from a Rust distribution server and a kernel.org-style LLVM+Rust tarball, all on
# 127.0.0.1 and made from Debian's own builds (tests/rustdist-lib.sh, tests/korg-llvm-lib.sh):
# - x86_64 6.12 built and booted with rustc 1.85.0 and 1.96.0 (the server named by the plan's
#   rust_dist_server), the matrix naming each rustc; a second run downloads nothing and
#   rebuilds nothing;
# - a toolchain bisect over nightly-2026-01-01..nightly-2026-01-05 (2026-01-03 has none) of a
#   KUnit case that fails from rustc 1.90 on finds 2026-01-04 in at most ceil(log2 5) boots,
#   prints both ends' rustc -vV and the upstream commit range;
# - x86_64 built with LLVM=<prefix>/bin/ from the LLVM+Rust tarball, and booted.
. tests/lib.sh
B=${B:-build}
CC=${CC:-cc}
need_root
[ -n "${BM_KERNEL_SRC:-}" ] || skip "no extracted kernel source in the cache (make check makes it)"
command -v patchelf >/dev/null 2>&1 || fail "patchelf is missing (make deps-test installs it)"
cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
for r in trixie sid; do
	[ -d "$cache/toolchains/$r/root" ] || $BM toolchain create $r || fail "toolchain create $r"
done
out=$(tmpdir)
. tests/http-lib.sh
. tests/rustdist-lib.sh
. tests/korg-llvm-lib.sh
RD_ROOT_TRIXIE=$cache/toolchains/trixie/root RD_ROOT_SID=$cache/toolchains/sid/root
rustdist_make "$cache/test-rustdist" || fail "making the Rust distribution layout"
dist=$cache/test-rustdist/dist
[ -f "$cache/test-rustdist/korg/llvm-19-rust-x86_64.tar.xz" ] ||
	korg_tarball "$RD_ROOT_TRIXIE" "$dist" llvm-19-rust-x86_64 "$cache/test-rustdist/korg" ||
	fail "making the LLVM+Rust tarball"
start_server dist --root "$cache/test-rustdist"
url="http://127.0.0.1:$port/files"
# The Rust versions this server (a new port each time) put in the cache go with the test.
server=$(printf %s "$url" | sha256sum | cut -c1-8)
trap 'kill $pids 2>/dev/null; rm -rf "$cache"/components/rust-*-"$server" "$cache"/components/rust-*-"$server".lock' EXIT
unset BOOTMATRIX_RUST_DIST_SERVER RUSTUP_DIST_SERVER

# Two Rust releases, the server named by the plan.
cat >"$out/dist.yaml" <<EOF
sources:
  - debian: linux-source-6.12
rust_dist_server: $url
toolchains: [trixie+rust-1.85.0, trixie+rust-1.96.0]
arches: [x86_64]
configs: [rust-kunit]
EOF
$BM run "$out/dist.yaml" --results "$out/res" >"$out/run1" 2>&1 || fail "run: $(tail -n 5 "$out/run1")"
cat "$out/run1" | tail -n 6
m=$(ls -d "$out"/res/*/matrix.json | head -n 1)
for v in 1.85.0 1.96.0; do
	[ "$(json_get "$m" "[j['manifest'].get('rustc', '') for j in d['jobs'] if j['toolchain'] == 'trixie+rust-$v'][0]")" ] ||
		fail "no job with trixie+rust-$v"
	json_get "$m" "[j['manifest'].get('rustc', '') for j in d['jobs'] if j['toolchain'] == 'trixie+rust-$v'][0]" | grep -q "^rustc $v" ||
		fail "the matrix does not name rustc $v"
	grep -q "^rust-from: $url/dist/rust-$v-x86_64-unknown-linux-gnu.tar.xz sha256:" \
		"$cache/toolchains/trixie+rust-$v/manifest" || fail "the manifest of $v does not say where rustc came from"
done
requests=$(wc -l <"$out/dist.log")
$BM run "$out/dist.yaml" --results "$out/res" >"$out/run2" 2>&1 || fail "second run: $(tail -n 5 "$out/run2")"
[ "$(wc -l <"$out/dist.log")" -eq "$requests" ] || fail "the second run asked the server"
[ "$(grep -c 'build pass in 0 s: reused: inputs unchanged' "$out/run2")" -eq 2 ] ||
	fail "the second run rebuilt: $(grep 'build ' "$out/run2")"

# A nightly bisect with a planted break keyed on the rustc version.
tree=$out/linux-rustc
cp -al "$BM_KERNEL_SRC" "$tree" || fail "copy"
sed -i '/^static void list_test_list_init(/,/^}/ s|^\tINIT_LIST_HEAD(&list2);|\tINIT_LIST_HEAD(\&list2);\n\tKUNIT_EXPECT_LT(test, CONFIG_RUSTC_VERSION, 109000);|' "$tree/lib/list-test.c"
grep -q 'CONFIG_RUSTC_VERSION, 109000' "$tree/lib/list-test.c" || fail "the break was not planted"
BOOTMATRIX_RUST_DIST_SERVER=$url $BM bisect-toolchain --toolchains nightly-2026-01-01..nightly-2026-01-05 \
	--base trixie --tree "$PWD/$tree" --arch um --check kunit:list-kunit-test.list_test_list_init \
	--results "$out/bisect" >"$out/bisect.out" 2>"$out/bisect.err"
rc=$?
cat "$out/bisect.out"
[ $rc -eq 0 ] || fail "bisect-toolchain exited $rc: $(tail -n 3 "$out/bisect.err")"
grep -q '^first bad toolchain: trixie+rust-nightly-2026-01-04$' "$out/bisect.out" || fail "not 2026-01-04"
grep -q '^last good toolchain: trixie+rust-nightly-2026-01-02$' "$out/bisect.out" || fail "last good is not 2026-01-02"
grep -q 'trixie+rust-nightly-2026-01-03 skip: unavailable: .*404' "$out/bisect.out" || fail "the gap day was not a skip"
grep -q '^first bad rustc: rustc 1\.96\.0 .*commit-hash [0-9a-f]\{40\}, commit-date 20' "$out/bisect.out" ||
	fail "no rustc -vV of the first bad"
grep -q '^last good rustc: rustc 1\.85\.1 ' "$out/bisect.out" || fail "no rustc -vV of the last good"
grep -q '^upstream commits: [0-9a-f]\{40\}\.\.[0-9a-f]\{40\}' "$out/bisect.out" || fail "no upstream commit range"
boots=$(sed -n 's/^[0-9]* steps, \([0-9]*\) boots;.*/\1/p' "$out/bisect.out")
[ "$boots" -le 3 ] || fail "$boots boots for 5 candidates"
rm -rf "$tree"

# The LLVM+Rust tarball, named by URL and sha256 in a recipe file next to the plan.
sum=$(cut -d' ' -f1 "$cache/test-rustdist/korg/llvm-19-rust-x86_64.tar.xz.sha256")
printf 'base: trixie\nllvm: {url: %s/korg/llvm-19-rust-x86_64.tar.xz, sha256: %s}\n' "$url" "$sum" >"$out/korg.yaml"
cat >"$out/korg-plan.yaml" <<EOF
sources:
  - debian: linux-source-6.12
toolchains: [./korg.yaml]
arches: [x86_64]
configs: [rust-kunit]
EOF
$BM run "$out/korg-plan.yaml" --results "$out/korg" >"$out/run3" 2>&1 || fail "korg run: $(tail -n 5 "$out/run3")"
log=$(ls "$out"/korg/*/x86_64-korg-*/build.log | head -n 1)
grep -q 'LLVM=/bm/tc/llvm/bin/ ' "$log" || fail "not built with LLVM=/bm/tc/llvm/bin/"
m=$(ls -d "$out"/korg/*/matrix.json | head -n 1)
[ "$(json_get "$m" "d['jobs'][0]['boot']['status']")" = pass ] || fail "the korg kernel did not boot"
grep -q "^llvm-from: $url/korg/llvm-19-rust-x86_64.tar.xz sha256:$sum$" "$cache/toolchains/korg/manifest" ||
	fail "the manifest does not say where LLVM came from"
