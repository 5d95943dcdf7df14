# Boots on remote libvirt hosts (issue 7): the default plan's x86_64 and arm64 jobs, booted
# through qemu+libssh:// on two "hosts" (two real sshd on 127.0.0.1, each with its own generated
# host key, leading to this machine's libvirtd), plus a third host that does not answer.
#   1. a host key missing from known_hosts: exit 2 before any build, the fingerprint named;
#   2. the same jobs booted here (embedded driver): the reference results;
#   3. the run with the hosts: the dead host is reported and skipped; once some of a guest's
#      console has been read back, its host's sshd and all its sessions are killed: its job is
#      re-queued on the other host (requeued 1, counted as infra, not a kernel result); every
#      job passes there with results equal to the local run's, case by case; no domain is left
#      running; the live host's run directory is removed, the dead one's is reported as left;
#   4. the last host dies too: both jobs are infra with the reason, exit 1, nothing left running.
# The libvirtd is the machine's own when one answers on qemu:///system; otherwise the test starts
# one (and virtlogd), in a mount namespace where /dev/kvm is group kvm 0660 as udev makes it: with
# this container's root-only /dev/kvm, libvirtd would re-probe QEMU on every domain start
# (docs/remote.md).
. tests/lib.sh
need_root
d=$(tmpdir)
d=$(cd "$d" && pwd)
. tests/ssh-lib.sh
need libvirtd libvirt-daemon
need virtlogd libvirt-daemon
need virsh libvirt-clients
need unshare util-linux
need mknod coreutils
need virt-ssh-helper "libvirt-daemon-common, through libvirt-daemon"

pids= own_libvirtd=
cleanup() {
	for p in $pids; do sshd_kill "$p"; done
	if [ -n "$own_libvirtd" ]; then
		[ -f "$d/libvirtd.pid" ] && kill "$(cat "$d/libvirtd.pid")" 2>/dev/null
		[ -f "$d/virtlogd.pid" ] && kill "$(cat "$d/virtlogd.pid")" 2>/dev/null
	fi
	[ -n "${left:-}" ] && rm -rf "$left"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if virsh -c qemu:///system version >/dev/null 2>&1; then
	echo "libvirtd: the machine's own"
else
	own_libvirtd=1
	kvm_bind=
	if [ -c /dev/kvm ]; then
		mknod -m 0660 "$d/kvm" c 10 232 && chgrp kvm "$d/kvm" || fail "mknod kvm"
		kvm_bind="mount --bind $d/kvm /dev/kvm &&"
	fi
	virtlogd -d -p "$d/virtlogd.pid" || fail "virtlogd did not start"
	if ! unshare -m --propagation private sh -c "$kvm_bind exec libvirtd -d -p $d/libvirtd.pid"; then
		# no mount namespace here: the host's /dev/kvm as it is (boots may start slowly)
		echo "unshare -m failed: libvirtd runs without the /dev/kvm node"
		libvirtd -d -p "$d/libvirtd.pid" || fail "libvirtd did not start"
	fi
	i=0
	until virsh -c qemu:///system version >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "libvirtd never answered"
		sleep 0.2
	done
	echo "libvirtd: started by the test (pid $(cat "$d/libvirtd.pid"))"
fi

# Two hosts with their own keys, one user key; a third port where nothing listens.
ssh_keys hostA hostB user
cp "$d/user.pub" "$d/authorized_keys"
pa=$(free_port) pb=$(free_port) pc=$(free_port)
sshd_start A "$pa" "$d/hostA" "$d/authorized_keys"
pid_a=$sshd_started
sshd_start B "$pb" "$d/hostB" "$d/authorized_keys"
pid_b=$sshd_started
pids="$pid_a $pid_b"
{ known_hosts_line "$pa" "$d/hostA.pub"; known_hosts_line "$pb" "$d/hostB.pub"; } >"$d/known_hosts"
: >"$d/known_hosts.empty"
for p in "$pa" "$pb"; do
	i=0
	until ssh -o BatchMode=yes -o UserKnownHostsFile="$d/known_hosts" -i "$d/user" -p "$p" \
		root@127.0.0.1 true 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "sshd on $p never answered"
		sleep 0.1
	done
done

uri() { echo "qemu+libssh://root@127.0.0.1:$1/system?keyfile=$d/user&known_hosts=$2&sshauth=privkey"; }
plan() { # plan FILE KNOWN_HOSTS: the default plan, its boots on the hosts
	cat tests/data/plans/lts.yaml - >"$1" <<EOF
hosts:
  - {uri: '$(uri "$pa" "$2")', slots: 1}
  - {uri: '$(uri "$pb" "$2")', slots: 1}
  - {uri: '$(uri "$pc" "$2")'}
EOF
}
arches="--arch x86_64 --arch arm64"

# 1. Unknown host key: refused before anything is built or collected.
plan "$d/unknown.yaml" "$d/known_hosts.empty"
$BM run --quiet $arches --results "$d/unknown" "$d/unknown.yaml" 2>"$d/unknown.err"
rc=$?
[ $rc = 2 ] || fail "unknown host key: exit $rc, want 2: $(cat "$d/unknown.err")"
fp=$(ssh-keygen -lf "$d/hostA.pub" | cut -d' ' -f2)
[ "$(wc -l <"$d/unknown.err")" = 1 ] || fail "unknown host key: not one line: $(cat "$d/unknown.err")"
grep -q "$d/unknown.yaml: hosts\[0\]: .*unknown host key .*$fp" "$d/unknown.err" ||
	fail "unknown host key: $(cat "$d/unknown.err")"
[ -z "$(ls "$d/unknown" 2>/dev/null | grep '^2')" ] || fail "unknown host key: a run was started"
echo "unknown host key refused: $(cat "$d/unknown.err")"

# 2. The reference: the same jobs booted here.
$BM run --quiet $arches --results "$d/local" tests/data/plans/lts.yaml
rc_local=$?
[ $rc_local -le 1 ] || fail "local run exited $rc_local"
lm=$(ls -d "$d"/local/2*)/matrix.json
[ "$(json_get "$lm" '[j["boot"]["status"] for j in d["jobs"]]')" = "['pass', 'pass']" ] ||
	fail "local boots: $(json_get "$lm" '[j["boot"] for j in d["jobs"]]')"

# 3. On the hosts; the host the boot starts on goes away mid-run.
plan "$d/hosts.yaml" "$d/known_hosts"
$BM run $arches --results "$d/remote" "$d/hosts.yaml" 2>"$d/remote.err" &
bm=$!
victim=
i=0
while kill -0 $bm 2>/dev/null && [ -z "$victim" ]; do
	# a guest is up once bootmatrix has copied some of its console here: the host it boots
	# on is the one its last "booting" line names
	for f in "$d"/remote/2*/*/console.log; do
		[ -s "$f" ] || continue
		j=$(basename "$(dirname "$f")")
		victim=$(sed -n "s/.*$j: booting (.* on root@127.0.0.1:\([0-9]*\), .*/\1/p" "$d/remote.err" | tail -n 1)
		[ -n "$victim" ] && break
	done
	i=$((i + 1))
	[ $i -lt 6000 ] || { kill $bm; fail "no boot started on a host: $(tail -n 5 "$d/remote.err")"; }
	sleep 0.05
done
[ -n "$victim" ] || fail "the run ended before booting on a host: $(tail -n 20 "$d/remote.err")"
if [ "$victim" = "$pa" ]; then
	sshd_kill "$pid_a"; survivor=$pb
else
	sshd_kill "$pid_b"; survivor=$pa
fi
echo "killed the sshd of 127.0.0.1:$victim while its guest was running"
wait $bm
rc=$?
cat "$d/remote.err"
[ $rc = $rc_local ] || fail "remote run exited $rc, the local one $rc_local"
rm=$(ls -d "$d"/remote/2*)/matrix.json

grep -q "host root@127.0.0.1:$pc is not usable, no boots go there: .*Connection refused" "$d/remote.err" ||
	fail "the dead host was not reported"
grep -q ": re-queued (its host root@127.0.0.1:$victim is gone" "$d/remote.err" ||
	fail "no job was re-queued"
[ "$(json_get "$rm" '[(j["host"], j["boot"]["status"]) for j in d["jobs"]]')" = \
	"[('root@127.0.0.1:$survivor', 'pass'), ('root@127.0.0.1:$survivor', 'pass')]" ] ||
	fail "jobs: $(json_get "$rm" '[(j["id"], j["host"], j["boot"]) for j in d["jobs"]]')"
requeued=$(json_get "$rm" 'sum(j["requeued"] for j in d["jobs"])')
[ "$requeued" -ge 1 ] || fail "requeued: $requeued"
[ "$(sqlite3 "$d/remote/history.sqlite" "select distinct boot_host from jobs")" = "root@127.0.0.1:$survivor" ] &&
	[ "$(sqlite3 "$d/remote/history.sqlite" "select sum(requeued) from jobs")" = "$requeued" ] ||
	fail "history: $(sqlite3 "$d/remote/history.sqlite" 'select job_id, boot_host, requeued from jobs')"

# The same results, case by case (the consoles were read over SFTP and copied here).
cases='sorted((j["id"], s["kind"], s["name"], c["name"], c["status"]) for j in d["jobs"] for s in j["suites"] for c in s["cases"])'
json_get "$lm" "$cases" >"$d/local.cases"
json_get "$rm" "$cases" >"$d/remote.cases"
cmp -s "$d/local.cases" "$d/remote.cases" ||
	fail "results differ from the local run: $(diff "$d/local.cases" "$d/remote.cases" | head)"
n=$(json_get "$rm" 'sum(len(s["cases"]) for j in d["jobs"] for s in j["suites"])')
[ "$n" -gt 200 ] || fail "only $n cases"
for j in $(json_get "$rm" '" ".join(j["id"] for j in d["jobs"])'); do
	[ -s "$(dirname "$rm")/$j/console.log" ] || fail "$j: no local copy of the console"
	for c in test_probe_samples.sh.rust_minimal test_probe_samples.sh.rust_print; do
		st=$(json_get "$rm" "[c['status'] for j in d['jobs'] if j['id']=='$j' for s in j['suites'] if s['name']=='rust' for c in s['cases'] if c['name']=='$c']")
		[ "$st" = "['pass']" ] || fail "$j: kselftest rust case $c on the host: $st"
	done
done
# what was read of the lost boot is kept beside its logs
ls "$(dirname "$rm")"/*/console-lost-1.log >/dev/null 2>&1 || fail "no console-lost-1.log"

# Nothing left running; the live host's files removed, the dead host's reported.
left=$(sed -n "s/.*host root@127.0.0.1:$victim is gone: its run directory \(.*\) is left there/\1/p" "$d/remote.err")
[ -n "$left" ] && [ -d "$left" ] || fail "the dead host's run directory was not reported"
alive_dir=$(sed -n "s/.*host root@127.0.0.1:$survivor: libvirt .*, files in \(.*\)/\1/p" "$d/remote.err")
[ -n "$alive_dir" ] || fail "the live host's run directory was not reported"
[ ! -e "$alive_dir" ] || fail "$alive_dir is still on the live host"
doms=$(virsh -c qemu:///system list --all --name | grep '^bm-' || true)
[ -z "$doms" ] || fail "domains left: $doms"
echo "ok: $n cases equal to the local run; booted on $survivor after $victim died (requeued $requeued)"

# 4. The last host dies too: the boot it had and the job still queued are infra results (with
#    the reason), never kernel failures; the run ends with exit 1, its history saved.
cat tests/data/plans/lts.yaml - >"$d/last.yaml" <<EOF
hosts:
  - {uri: '$(uri "$survivor" "$d/known_hosts")', slots: 1}
EOF
$BM run $arches --results "$d/last" "$d/last.yaml" 2>"$d/last.err" &
bm=$!
lastdir=
i=0
while kill -0 $bm 2>/dev/null; do
	lastdir=${lastdir:-$(sed -n "s/.*host root@127.0.0.1:$survivor: libvirt .*, files in \(.*\)/\1/p" "$d/last.err")}
	set -- ${lastdir:+"$lastdir"/*-trixie-*/console.log}
	[ -s "${1:-}" ] && break
	i=$((i + 1))
	[ $i -lt 6000 ] || { kill $bm; fail "no boot started on the last host"; }
	sleep 0.05
done
if [ "$survivor" = "$pa" ]; then sshd_kill "$pid_a"; else sshd_kill "$pid_b"; fi
wait $bm
rc=$?
cat "$d/last.err"
[ $rc = 1 ] || fail "the run whose hosts all died exited $rc, want 1"
lm2=$(ls -d "$d"/last/2*)/matrix.json
[ "$(json_get "$lm2" '[j["boot"]["status"] for j in d["jobs"]]')" = "['infra', 'infra']" ] ||
	fail "boots: $(json_get "$lm2" '[j["boot"] for j in d["jobs"]]')"
json_get "$lm2" '[j["boot"]["detail"] for j in d["jobs"]]' | grep -q "no remote host left (host .root@127.0.0.1:$survivor.: " ||
	fail "no job says that no host is left: $(json_get "$lm2" '[j["boot"]["detail"] for j in d["jobs"]]')"
[ "$(sqlite3 "$d/last/history.sqlite" "select count(*) from jobs where boot_status = 'infra'")" = 2 ] ||
	fail "history: $(sqlite3 "$d/last/history.sqlite" 'select job_id, boot_status from jobs')"
doms=$(virsh -c qemu:///system list --all --name | grep '^bm-' || true)
[ -z "$doms" ] || fail "domains left after the last host died: $doms"
echo "ok: with every host gone, both jobs are infra: $(json_get "$lm2" '[j["boot"]["detail"][:90] for j in d["jobs"]]')"
