# End to end: the default plan builds a Rust-enabled x86_64 kernel in the trixie toolchain root,
# boots it through libvirt's embedded QEMU driver and parses its KUnit results.
. tests/lib.sh
need_root
out=$(tmpdir)
$BM run --results "$out" configs/default.yaml
rc=$?
[ $rc -le 1 ] || fail "bootmatrix run exited $rc"
run=$(ls -d "$out"/2*)
job=$run/x86_64-trixie-linux-source-6.12-rust-kunit
m=$run/matrix.json
[ -f "$m" ] || fail "no matrix.json"
[ -f "$job/build.log" ] || fail "no build.log"
[ -f "$job/console.log" ] || fail "no console.log"
grep -qx 'CONFIG_RUST=y' "$job/config" || fail "CONFIG_RUST=y not in the final .config"
[ "$(json_get "$m" 'd["jobs"][0]["build"]["status"]')" = pass ] || fail "build did not pass"
[ "$(json_get "$m" 'd["jobs"][0]["boot"]["status"]')" = pass ] || fail "boot did not pass"
passed=$(json_get "$m" '[s for s in d["jobs"][0]["suites"] if s["name"]=="rust_doctests_kernel"][0]["pass"]')
failed=$(json_get "$m" '[s for s in d["jobs"][0]["suites"] if s["name"]=="rust_doctests_kernel"][0]["fail"]')
echo "rust_doctests_kernel: $passed passed, $failed failed"
[ "$passed" -gt 0 ] || fail "no Rust doctest passed"
[ "$failed" -eq 0 ] || fail "Rust doctests failed"
# The store has the same job.
n=$(sqlite3 "$out/history.sqlite" "select count(*) from jobs where arch='x86_64' and boot_status='pass'")
[ "$n" = 1 ] || fail "history.sqlite has $n passing x86_64 jobs"
# Keep the console log for the parser comparison test.
cp "$job/console.log" build/tests/x86_64-console.log
echo "ok: $(json_get "$m" 'd["jobs"][0]["kernel"]') built in $(json_get "$m" 'd["jobs"][0]["build"]["seconds"]') s"
