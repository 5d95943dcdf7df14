# A kernel tree is untrusted: its build runs without network, capabilities or a writable path
# but its build directory (docs/security.md). The tree here (tests/data/hostile-tree) tries to
# connect to a listener on 127.0.0.1, to write into its source, the root and beside its build
# directory, and to remount; nothing arrives, nothing is written, and the failed build is the
# job's result (exit 1), not a harness error.
. tests/lib.sh
need_root
out=$(tmpdir)
# a cache of the test's own (its build directory goes with the test's directory)
cache_borrow "$out/c"
export BOOTMATRIX_CACHE=$PWD/$out/c
tree=$out/tree
cp -r tests/data/hostile-tree "$tree"
start_listener "$tree/port" "$out/connections"
lpid=$listener_pid
cat >"$out/plan.yaml" <<PLAN
sources:
  - path: $PWD/$tree
toolchains: [trixie]
arches: [x86_64]
configs: [rust-kunit]
PLAN
$BM run --results "$out/results" "$out/plan.yaml" >"$out/run.log" 2>&1
rc=$?
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null
[ $rc -eq 1 ] || fail "run exited $rc (want 1: a failed build is a result): $(tail -n 3 "$out/run.log")"
log=$(ls "$out"/results/2*/*/build.log)
grep 'hostile:' "$log"
grep -q 'hostile: building tinyconfig' "$log" || fail "the hostile Makefile did not run"
grep -q 'hostile: could not connect' "$log" || fail "the build did not even try to connect"
[ ! -s "$out/connections" ] || fail "the build reached the host's loopback: $(cat "$out/connections")"
grep -q 'hostile: CONNECTED' "$log" && fail "the build connected"
grep -q 'hostile: WROTE' "$log" && fail "the build wrote outside its build directory: $(grep WROTE "$log")"
grep -q 'hostile: REMOUNTED' "$log" && fail "the build remounted its root"
[ ! -e "$tree/escaped" ] || fail "the build wrote into its source tree"
[ ! -e "$real/toolchains/trixie/root/escaped" ] && [ ! -e "$real/toolchains/trixie/root/etc/escaped" ] ||
	fail "the build wrote into the toolchain root"
[ "$(json_get "$(ls "$out"/results/2*/matrix.json)" 'd["jobs"][0]["build"]["status"]')" = fail ] ||
	fail "the build is not a failed result"
echo "ok: no connection, nothing written outside the build directory, build: fail"
