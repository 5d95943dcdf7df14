# kselftest in user-mode Linux (issue 4). UML 6.12's user space cannot start on some hosts (its
# ptrace stub dies at the first exec; boot-um.sh then checks KUnit only), UML 7.2's can: the
# default plan's um job on the newest kernel in Debian sid (the linux-source metapackage: 7.2
# today; built with trixie's toolchain) builds
# with CONFIG_RUST=y, boots, passes the Rust doctests, and runs kselftest from its initramfs with real
# per-case results: size's get_size and cases of signal's mangle_uc_sigmask and sas pass, and the
# Rust selftest
# reports both sample modules (whatever their outcome: see arch/README.md). The default plan's
# rust config asks for every Rust test option the kernel has: every Rust KUnit suite runs and
# passes, the Rust map has RUST on, and every Rust sample is a case of rust_samples (built ones
# loaded, dropped ones skipped with the reason).
# sid's source comes through a private apt for sid in the cache (apt/sid), never a whole sid root.
. tests/lib.sh
need_root
cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
had_sid_root=
[ -e "$cache/toolchains/sid" ] && had_sid_root=1
out=$(tmpdir)
$BM run --arch um --results "$out" configs/default.yaml
rc=$?
[ $rc -le 1 ] || fail "bootmatrix run exited $rc"
run=$(ls -d "$out"/2*)
id=um-trixie-linux-source-rust
job=$run/$id
m=$run/matrix.json
J="[j for j in d['jobs'] if j['id']=='$id'][0]"
[ -f "$cache/apt/sid/updated" ] || fail "no private apt for sid in $cache/apt/sid"
[ -n "$had_sid_root" ] || [ ! -e "$cache/toolchains/sid" ] ||
	fail "the run made a sid root only to download a kernel source"
[ -n "$had_sid_root" ] && echo "a sid root was there before (made by another test): not checked that none is made"
case $(json_get "$m" "$J['kernel']") in [0-5].*|6.*) fail "kernel $(json_get "$m" "$J['kernel']"), not newer than 6.x" ;; esac
grep -qx 'CONFIG_RUST=y' "$job/config" || fail "CONFIG_RUST=y not in the final .config"
[ "$(json_get "$m" "$J['build']['status']")" = pass ] || fail "build: $(json_get "$m" "$J['build']")"
[ "$(json_get "$m" "$J['boot']['status']")" = pass ] || fail "boot: $(json_get "$m" "$J['boot']")"
json_get "$m" "$J['suites']" | grep -q "UML cannot run user space" &&
	fail "UML $(json_get "$m" "$J['kernel']") could not run user space on this host"
doc="[s for s in $J['suites'] if s['name']=='rust_doctests_kernel'][0]"
[ "$(json_get "$m" "$doc['fail']")" = 0 ] && [ "$(json_get "$m" "$doc['pass']")" -gt 0 ] ||
	fail "Rust doctests: $(json_get "$m" "$doc['pass']") passed, $(json_get "$m" "$doc['fail']") failed"
# Every Rust KUnit suite of the kernel (#[kunit_tests], besides the doctests), all passing.
n_rust=$(json_get "$m" "len([s for s in $J['suites'] if s.get('kind')=='kunit' and s['name'].startswith('rust_') and s['name']!='rust_doctests_kernel'])")
[ "$n_rust" -ge 7 ] || fail "only $n_rust Rust KUnit suites ran (7.2 has 7)"
bad=$(json_get "$m" "[s['name'] for s in $J['suites'] if s.get('kind')=='kunit' and s['name'].startswith('rust_') and s['status']!='pass']")
[ "$bad" = "[]" ] || fail "Rust KUnit suites not passing: $bad"
[ "$(json_get "$m" "[o['fate'] for o in $J['rust']['options'] if o['name']=='RUST']")" = "['on']" ] ||
	fail "the Rust map does not have RUST on"
samples=$(json_get "$m" "[c['status'] for s in $J['suites'] if s['name']=='rust_samples' for c in s['cases']]")
echo "um rust_samples: $samples"
[ "$(json_get "$m" "len([c for s in $J['suites'] if s['name']=='rust_samples' for c in s['cases'] if c['status'] in ('pass','fail')])")" -ge 6 ] ||
	fail "fewer than 6 Rust samples were loaded: $samples"
json_get "$m" "[c for s in $J['suites'] if s['name']=='rust_samples' for c in s['cases'] if c['status']=='skip' and 'the config cannot have it: unmet dependency' not in c.get('detail','')]" |
	grep -qx '\[\]' || fail "a skipped sample does not say why"

case_status() { # case_status TARGET CASE
	json_get "$m" "[c['status'] for s in $J['suites'] if s.get('kind')=='kselftest' and s['name']=='$1' for c in s['cases'] if c['name']=='$2']"
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
# 7.x has no sigaltstack/ (its test moved to signal/): a skip saying so, not a failure
[ "$(case_status sigaltstack build)" = "['skip']" ] || fail "sigaltstack on the newest kernel: $(case_status sigaltstack build)"
echo "um kselftest cases: $(json_get "$m" "[(s['name'], c['name'], c['status']) for s in $J['suites'] if s.get('kind')=='kselftest' for c in s['cases']]")"
