# Kernel outcomes are results, not harness errors: a panic is `crash`, a boot past its deadline is
# `timeout`, a QEMU that dies is `infra`; each keeps its console log, and bootmatrix exits 1.
# Real kernels (the x86_64 and um builds of the default plan, reused from the cache).
. tests/lib.sh
need_root
d=tests/data/plans
out=$(tmpdir)
export BOOTMATRIX_ACCEL=tcg

job_field() { json_get "$(ls -d "$1"/2*/matrix.json)" "[j for j in d['jobs'] if j['arch']=='$2'][0]$3"; }

# Panic, on a VM and on UML.
$BM run --results "$out/panic" $d/fault-panic.yaml; rc=$?
[ $rc -eq 1 ] || fail "panic: exit $rc, want 1"
for a in x86_64 um; do
	st=$(job_field "$out/panic" $a '["boot"]["status"]')
	detail=$(job_field "$out/panic" $a '["boot"].get("detail")')
	echo "panic $a: $st: $detail"
	[ "$st" = crash ] || fail "panic $a: boot $st, want crash"
	case $detail in *"Kernel panic"*) ;; *) fail "panic $a: detail '$detail'" ;; esac
	grep -q "Kernel panic - not syncing" "$out"/panic/2*/$a-*/console.log || fail "panic $a: console tail not kept"
done

# Timeout.
$BM run --results "$out/timeout" $d/fault-timeout.yaml; rc=$?
[ $rc -eq 1 ] || fail "timeout: exit $rc, want 1"
st=$(job_field "$out/timeout" x86_64 '["boot"]["status"]')
echo "timeout: $st: $(job_field "$out/timeout" x86_64 '["boot"].get("detail")')"
[ "$st" = timeout ] || fail "timeout: boot $st, want timeout"
pgrep -f 'guest=bm-' >/dev/null && fail "timeout: a QEMU is left behind"

# QEMU killed under a running guest, as soon as the kernel starts printing (KUnit then needs
# another second or more under TCG).
$BM run --results "$out/infra" $d/fault-kill.yaml >"$out/infra.log" 2>&1 &
pid=$!
i=0
until grep -qs "Linux version" "$out"/infra/2*/x86_64-*/console.log; do
	i=$((i + 1))
	[ $i -lt 3000 ] || { kill $pid; fail "infra: the guest never printed"; }
	sleep 0.05
done
pkill -9 -f 'guest=bm-.*x86_64-trixie' || fail "infra: no QEMU to kill"
wait $pid; rc=$?
[ $rc -eq 1 ] || fail "infra: exit $rc, want 1 ($(tail -n 3 "$out/infra.log"))"
st=$(job_field "$out/infra" x86_64 '["boot"]["status"]')
echo "qemu killed: $st: $(job_field "$out/infra" x86_64 '["boot"].get("detail")')"
[ "$st" = infra ] || fail "infra: boot $st, want infra"
