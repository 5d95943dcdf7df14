# Toolchains from outside Debian, served by tests/http_server.py on 127.0.0.1 in the Rust
# distribution layout made from Debian's own rustc builds (tests/rustdist-lib.sh): a release
# layered on the trixie root is downloaded, checksum-verified and unpacked once (a second create
# asks the server nothing), runs inside the root (its manifest says which rustc and where it came
# from), and a cut transfer is resumed. Bad input is one line and exit 2 with nothing left
# half-installed: an unknown version (404), a checksum mismatch, a tarball without rustc, a
# directory that is not a toolchain, a run whose plan names a missing version (before any build).
# rustc 1.63 really runs in the root: the kernel's own check finds it below its minimum.
. tests/lib.sh
B=${B:-build}
CC=${CC:-cc}
need_root
command -v patchelf >/dev/null 2>&1 || fail "patchelf is missing (make deps-test installs it)"
cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
[ -d "$cache/toolchains/trixie/root" ] || $BM toolchain create trixie || fail "toolchain create trixie"
out=$(tmpdir)
. tests/http-lib.sh
. tests/rustdist-lib.sh
RD_ROOT_TRIXIE=$cache/toolchains/trixie/root
rustdist_make "$cache/test-rustdist" || fail "making the Rust distribution layout"
dist=$cache/test-rustdist/dist
start_server dist --root "$dist/.."
export BOOTMATRIX_RUST_DIST_SERVER="http://127.0.0.1:$port/files"
unset RUSTUP_DIST_SERVER
comps=$cache/components
server=$(printf %s "$BOOTMATRIX_RUST_DIST_SERVER" | sha256sum | cut -c1-8)
cut_server=$(printf %s "http://127.0.0.1:$port/drop/1000000/files" | sha256sum | cut -c1-8)
# The components this test's servers (new ports each time) put in the cache go with it.
trap 'kill $pids 2>/dev/null; rm -rf "$comps"/rust-*-"$server" "$comps"/rust-*-"$server".lock \
	"$comps"/rust-*-"$cut_server" "$comps"/rust-*-"$cut_server".lock "$comps"/rust-*-"${bad_server:-none}".lock' EXIT

# A release, made once.
$BM toolchain create trixie+rust-1.85.0 >"$out/create1" 2>&1 || fail "create: $(tail -n 3 "$out/create1")"
grep -q "GET /files/dist/rust-1.85.0-x86_64-unknown-linux-gnu.tar.xz " "$out/dist.log" || fail "no download"
$BM toolchain show trixie+rust-1.85.0 >"$out/show" || fail "toolchain show"
cat "$out/show"
grep -q '^rustc: rustc 1\.85\.0' "$out/show" || fail "the manifest does not name rustc 1.85.0"
grep -q '^rustc-commit-hash: [0-9a-f]\{40\}$' "$out/show" || fail "no commit hash from rustc -vV"
grep -q "^rust-from: $BOOTMATRIX_RUST_DIST_SERVER/dist/rust-1.85.0-x86_64-unknown-linux-gnu.tar.xz sha256:$(cut -d' ' -f1 "$dist/rust-1.85.0-x86_64-unknown-linux-gnu.tar.xz.sha256")$" \
	"$out/show" || fail "the manifest does not say where rustc came from"
grep -q "^rust-src-from: .*/dist/rust-src-1.85.0.tar.xz sha256:" "$out/show" || fail "no rust-src origin"
grep -q '^bindgen: bindgen 0\.71' "$out/show" || fail "bindgen is not the root's"
[ -f "$comps/rust-1.85.0-x86_64-unknown-linux-gnu-$server/prefix/lib/rustlib/src/rust/library/core/src/lib.rs" ] ||
	fail "rust-src is not in the prefix"
[ -e "$comps/rust-1.85.0-x86_64-unknown-linux-gnu-$server/prefix/install.sh" ] && fail "install.sh was copied"
$BM toolchain diff trixie trixie+rust-1.85.0 >"$out/diff" || fail "toolchain diff"
grep -q '^rustc: rustc 1\.85\.1.* -> rustc 1\.85\.0' "$out/diff" || fail "diff: $(cat "$out/diff")"
requests=$(wc -l <"$out/dist.log")
$BM toolchain create trixie+rust-1.85.0 >"$out/create2" 2>&1 || fail "second create"
[ "$(wc -l <"$out/dist.log")" -eq "$requests" ] || fail "the second create asked the server: $(tail -n 2 "$out/dist.log")"

# A transfer cut after 1 MB is resumed (Range) and verified.
BOOTMATRIX_RUST_DIST_SERVER="http://127.0.0.1:$port/drop/1000000/files" \
	$BM toolchain create trixie+rust-1.96.0 >"$out/create3" 2>&1 || fail "cut transfer: $(tail -n 3 "$out/create3")"
grep -q "GET /drop/1000000/files/dist/rust-1.96.0-x86_64-unknown-linux-gnu.tar.xz range=bytes=1000000-" \
	"$out/dist.log" || fail "the cut transfer was not resumed"

# Bad input: one line each, exit 2, nothing half-installed.
expect_bad() {	# WHAT MESSAGE CMD... (progress lines start with a time in brackets)
	what=$1 msg=$2
	shift 2
	"$@" >"$out/bad.out" 2>"$out/bad.err"
	rc=$?
	grep -v '^\[[0-9:]*\] ' "$out/bad.err" >"$out/bad.line"
	[ $rc -eq 2 ] || fail "$what: exit $rc: $(cat "$out/bad.err")"
	[ "$(wc -l <"$out/bad.line")" -eq 1 ] || fail "$what: not one line: $(cat "$out/bad.err")"
	grep -q -- "$msg" "$out/bad.line" || fail "$what: $(cat "$out/bad.err")"
	cat "$out/bad.line"
}
expect_bad "unknown version" "rust-1.70.0-x86_64-unknown-linux-gnu.tar.xz.sha256' answered 404 Not Found" \
	$BM toolchain create trixie+rust-1.70.0
expect_bad "bad date" "no such date" $BM toolchain create trixie+rust-nightly-2026-02-30
expect_bad "gap day" "dist/2026-01-03/rust-nightly-x86_64-unknown-linux-gnu.tar.xz.sha256' answered 404" \
	$BM toolchain create trixie+rust-nightly-2026-01-03
# a server whose 1.85.1 tarball was cut short after its checksum was taken, and whose 1.99.0
# holds only the standard library
bad=$out/bad/dist
mkdir -p "$bad"
head -c 5000000 "$dist/rust-1.85.1-x86_64-unknown-linux-gnu.tar.xz" >"$bad/rust-1.85.1-x86_64-unknown-linux-gnu.tar.xz"
cp "$dist/rust-1.85.1-x86_64-unknown-linux-gnu.tar.xz.sha256" "$dist/rust-src-1.85.1.tar.xz"* "$bad/"
mkdir -p "$out/std/rust-1.99.0-x86_64-unknown-linux-gnu/rust-std-x86_64-unknown-linux-gnu/lib"
printf 'rust-std-x86_64-unknown-linux-gnu\n' >"$out/std/rust-1.99.0-x86_64-unknown-linux-gnu/components"
touch "$out/std/rust-1.99.0-x86_64-unknown-linux-gnu/rust-std-x86_64-unknown-linux-gnu/lib/libcore.rlib"
tar -C "$out/std" -cJf "$bad/rust-1.99.0-x86_64-unknown-linux-gnu.tar.xz" rust-1.99.0-x86_64-unknown-linux-gnu
cp "$dist/rust-src-1.85.1.tar.xz" "$bad/rust-src-1.99.0.tar.xz"
(cd "$bad" && for f in rust-1.99.0-x86_64-unknown-linux-gnu.tar.xz rust-src-1.99.0.tar.xz; do sha256sum "$f" >"$f.sha256"; done)
start_server bad --root "$out/bad"
badsrv="http://127.0.0.1:$port/files"
bad_server=$(printf %s "$badsrv" | sha256sum | cut -c1-8)
BOOTMATRIX_RUST_DIST_SERVER=$badsrv expect_bad "checksum" "checksum mismatch for '$badsrv/dist/rust-1.85.1-x86_64-unknown-linux-gnu.tar.xz'" \
	$BM toolchain create trixie+rust-1.85.1
BOOTMATRIX_RUST_DIST_SERVER=$badsrv expect_bad "no rustc" "rust 1.99.0 is not a rust toolchain: no bin/rustc" \
	$BM toolchain create trixie+rust-1.99.0
for v in 1.70.0 1.85.1 1.99.0; do
	for s in "$server" "$bad_server"; do
		ls -d "$comps/rust-$v-x86_64-unknown-linux-gnu-$s"* 2>/dev/null | grep -v '\.lock$' &&
			fail "rust $v: something was left in the cache"
	done
done
mkdir -p "$out/notrust/bin"
printf 'base: trixie\nrust: {dir: %s}\n' "$PWD/$out/notrust" >"$out/notrust.yaml"
expect_bad "directory" "'$PWD/$out/notrust' is not a rust toolchain: no bin/rustc" \
	$BM toolchain create "$PWD/$out/notrust.yaml"
# a run stops before any build
printf 'sources:\n  - debian: linux-source-6.12\ntoolchains: [trixie, trixie+rust-1.70.0]\narches: [x86_64]\nconfigs: [rust-kunit]\n' >"$out/plan.yaml"
expect_bad "run" "toolchain 'trixie+rust-1.70.0': rust 1.70.0: .* answered 404 Not Found" \
	$BM run "$out/plan.yaml" --results "$out/res"
grep -q building "$out/bad.out" && fail "the run built something"

# A local directory (a rustup toolchain's layout) is used where it is.
printf 'base: trixie\nrust: {dir: %s}\n' "$comps/rust-1.85.0-x86_64-unknown-linux-gnu-$server/prefix" >"$out/local.yaml"
$BM toolchain create "$PWD/$out/local.yaml" >"$out/create4" 2>&1 || fail "local dir: $(tail -n 3 "$out/create4")"
$BM toolchain show "$PWD/$out/local.yaml" >"$out/show4" || fail "show local"
grep -q "^rust-from: $comps/rust-1.85.0-x86_64-unknown-linux-gnu-$server/prefix (local directory)$" "$out/show4" ||
	fail "local: $(cat "$out/show4")"
grep -q '^rustc: rustc 1\.85\.0' "$out/show4" || fail "local: not rustc 1.85.0"

# rustc 1.63 runs in the root, and the kernel's check says it is too old: a skip, not a failure.
[ -n "${BM_KERNEL_SRC:-}" ] || fail "no extracted 6.12 source in the cache (boot-x86_64 makes it)"
$BM check --tree "$BM_KERNEL_SRC" --arch um --toolchain trixie+rust-1.63.0 --check kunit:list-kunit-test \
	--results "$out/check" >"$out/check.out" 2>"$out/check.err"
rc=$?
cat "$out/check.out"
[ $rc -eq 125 ] || fail "check with rustc 1.63: exit $rc: $(tail -n 3 "$out/check.err")"
grep -q "rustavailable: .*too old.*1\.63\.0" "$out/check.out" || fail "no word of rustc 1.63 being too old"
