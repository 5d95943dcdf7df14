# kselftest in user-mode Linux (issue 4). UML 6.12's user space cannot start on some hosts (its
# ptrace stub dies at the first exec; boot-um.sh then checks KUnit only), UML 7.2's can: the um
# job of configs/kernel-7.2.yaml (Debian sid's linux-source-7.2, the sid toolchain) builds with
# CONFIG_RUST=y, boots, passes the Rust doctests, and runs kselftest from its initramfs with real
# per-case results: size's get_size and cases of signal's mangle_uc_sigmask and sas pass, and the
# Rust selftest
# reports both sample modules (whatever their outcome: see arch/README.md).
. tests/lib.sh
need_root
out=$(tmpdir)
$BM run --arch um --results "$out" configs/kernel-7.2.yaml
rc=$?
[ $rc -le 1 ] || fail "bootmatrix run exited $rc"
run=$(ls -d "$out"/2*)
job=$run/um-sid-linux-source-7.2-rust-kunit
m=$run/matrix.json
grep -qx 'CONFIG_RUST=y' "$job/config" || fail "CONFIG_RUST=y not in the final .config"
[ "$(json_get "$m" 'd["jobs"][0]["build"]["status"]')" = pass ] ||
	fail "build: $(json_get "$m" 'd["jobs"][0]["build"]')"
[ "$(json_get "$m" 'd["jobs"][0]["boot"]["status"]')" = pass ] ||
	fail "boot: $(json_get "$m" 'd["jobs"][0]["boot"]')"
grep -q "UML cannot run user space" "$m" && fail "UML 7.2 could not run user space on this host"
doc='[s for s in d["jobs"][0]["suites"] if s["name"]=="rust_doctests_kernel"][0]'
[ "$(json_get "$m" "$doc['fail']")" = 0 ] && [ "$(json_get "$m" "$doc['pass']")" -gt 0 ] ||
	fail "Rust doctests: $(json_get "$m" "$doc['pass']") passed, $(json_get "$m" "$doc['fail']") failed"

case_status() { # case_status TARGET CASE
	json_get "$m" "[c['status'] for s in d['jobs'][0]['suites'] if s.get('kind')=='kselftest' and s['name']=='$1' for c in s['cases'] if c['name']=='$2']"
}
for tc in size:get_size.get_runtime_memory_use signal:mangle_uc_sigmask.SEGV_delivered \
	signal:mangle_uc_sigmask.USR2_blocked_in_ucontext signal:sas.Initial_sigaltstack_state_was_SS_DISABLE; do
	st=$(case_status "${tc%%:*}" "${tc#*:}")
	[ "$st" = "['pass']" ] || fail "kselftest $tc: '$st'"
done
for c in rust_minimal rust_print; do
	st=$(case_status rust "test_probe_samples.sh.$c")
	case $st in
	"['pass']"|"['fail']") echo "um kselftest rust $c: $st" ;;
	*) fail "kselftest rust case $c: '$st'" ;;
	esac
done
echo "um kselftest cases: $(json_get "$m" "[(s['name'], c['name'], c['status']) for s in d['jobs'][0]['suites'] if s.get('kind')=='kselftest' for c in s['cases']]")"
