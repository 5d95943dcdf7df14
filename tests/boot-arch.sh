# Sourced by tests/integration/boot-ARCH.sh and tests/arches/boot-ARCH.sh with ARCH set: the
# plan's job for ARCH builds a Rust-enabled kernel in the toolchain's root (CONFIG_RUST=y
# verified in the final .config), boots it, the Rust doctests pass, and kselftest runs from the
# initramfs with the Rust selftest's cases passing. PLAN (default tests/data/plans/lts.yaml),
# TOOLCHAIN (trixie) and SOURCE (linux-source-6.12) name the job checked; AFTER_RUN, a function
# called once the matrix is there.
. tests/lib.sh
need_root
out=$(tmpdir)
$BM run --arch "$ARCH" --results "$out" "${PLAN:-tests/data/plans/lts.yaml}"
rc=$?
[ $rc -le 1 ] || fail "bootmatrix run exited $rc"
run=$(ls -d "$out"/2*)
id=$ARCH-${TOOLCHAIN:-trixie}-${SOURCE:-linux-source-6.12}-rust-kunit
job=$run/$id
m=$run/matrix.json
[ -f "$m" ] || fail "no matrix.json"
# (the default plan has a second um job, on the newest kernel: boot-um-newest.sh checks it)
n=$(json_get "$m" "[i for i, j in enumerate(d['jobs']) if j['id']=='$id']")
case $n in "["[0-9]*"]") n=${n#[}; n=${n%]} ;; *) fail "no job $id in the matrix" ;; esac
# AFTER_RUN: a function the arch's test adds (checks of the plan's other jobs)
[ -z "${AFTER_RUN:-}" ] || "$AFTER_RUN"
[ -f "$job/build.log" ] || fail "no build.log"
# A real run's JUnit keeps the rules of Jenkins' xunit schema (junit-10.xsd).
/usr/bin/python3 tests/junit-check.py "$run/report.xml" || fail "report.xml breaks the JUnit rules"
grep -qx 'CONFIG_RUST=y' "$job/config" || fail "CONFIG_RUST=y not in the final .config"
[ "$(json_get "$m" 'd["jobs"]['"$n"']["build"]["status"]')" = pass ] ||
	fail "build: $(json_get "$m" 'd["jobs"]['"$n"']["build"]')"
[ -f "$job/console.log" ] || fail "no console.log"
[ "$(json_get "$m" 'd["jobs"]['"$n"']["boot"]["status"]')" = pass ] ||
	fail "boot: $(json_get "$m" 'd["jobs"]['"$n"']["boot"]')"
# UML's user space cannot run on some hosts (its ptrace stub dies): the job boots again without
# the initramfs, KUnit counts (checked below), and each kselftest target says why it could not
# run (infra). kselftest itself cannot be checked then.
host_limit=$(json_get "$m" '[s["cases"][0].get("detail") for s in d["jobs"]['"$n"']["suites"] if s.get("kind")=="kselftest" and s["status"]=="infra"][:1]')
case "$host_limit" in
*"UML cannot run user space on this host"*) ;;
"[]") host_limit= ;;
*) fail "kselftest infra: $host_limit" ;;
esac
doc='[s for s in d["jobs"]['"$n"']["suites"] if s["name"]=="rust_doctests_kernel"]'
[ "$(json_get "$m" "len($doc)")" = 1 ] || fail "no rust_doctests_kernel suite"
passed=$(json_get "$m" "$doc[0][\"pass\"]")
failed=$(json_get "$m" "$doc[0][\"fail\"]")
echo "$ARCH rust_doctests_kernel: $passed passed, $failed failed"
[ "$passed" -gt 0 ] || fail "no Rust doctest passed"
[ "$failed" -eq 0 ] || fail "Rust doctests failed"
if [ -n "$host_limit" ]; then
	echo "KUnit on $ARCH verified; kselftest not: $host_limit"
	skip "kselftest on $ARCH: $host_limit"
fi
# kselftest from the initramfs: the Rust selftest probed both sample modules, per case.
ks='[s for s in d["jobs"]['"$n"']["suites"] if s.get("kind")=="kselftest" and s["name"]=="rust"]'
[ "$(json_get "$m" "len($ks)")" = 1 ] || fail "no kselftest 'rust' suite"
json_get "$m" "[(c['name'], c['status']) for c in $ks[0]['cases']]"
for c in test_probe_samples.sh.rust_minimal test_probe_samples.sh.rust_print; do
	st=$(json_get "$m" "[c['status'] for c in $ks[0]['cases'] if c['name']=='$c']")
	[ "$st" = "['pass']" ] || fail "kselftest rust case $c: $st"
done
# size either passes or, where its selftest does not build (loongarch64: it links libc.a with
# -nostartfiles), is reported as a failed build of the target, never left out.
size='[s for s in d["jobs"]['"$n"']["suites"] if s.get("kind")=="kselftest" and s["name"]=="size"]'
[ "$(json_get "$m" "len($size)")" = 1 ] || fail "kselftest size is missing from the matrix"
case "$(json_get "$m" "$size[0]['status']"):$(json_get "$m" "$size[0]['cases'][0].get('detail')")" in
pass:*) ;;
"fail:the selftests of 'size' did not build for $ARCH"*) echo "size did not build for $ARCH (reported)" ;;
*) fail "kselftest size: $(json_get "$m" "$size[0]")" ;;
esac
count=$(sqlite3 "$out/history.sqlite" "select count(*) from jobs where job_id='$id' and boot_status='pass'")
[ "$count" = 1 ] || fail "history.sqlite has $count passing $ARCH jobs"
mkdir -p build/tests
cp "$job/console.log" "build/tests/$ARCH-console.log"
echo "ok: $ARCH $(json_get "$m" 'd["jobs"]['"$n"']["kernel"]'): build $(json_get "$m" 'd["jobs"]['"$n"']["build"]["seconds"]') s, boot $(json_get "$m" 'd["jobs"]['"$n"']["boot"]["seconds"]') s"
