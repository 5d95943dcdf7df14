# A cache at a long path still boots through libvirt's embedded driver: its root there is longer
# than QEMU's socket paths allow, so the driver is given a short path in a private directory of
# /tmp that leads to it (a symbolic link); the next run sweeps the root and that path once the
# process is gone. The cache is the test's own (removed at the end), borrowing the real cache's
# root, source and x86_64 build of lts.yaml (nothing is built).
. tests/lib.sh
need_root
d=$(tmpdir)
d=$(cd "$d" && pwd)
top=$(mktemp -d /tmp/bm-long.XXXXXX)
trap 'rm -rf "$top"' EXIT
c=$top/a-cache-directory-whose-path-is-long-enough-to-matter
cache_borrow "$c"
for b in "$real"/builds/x86_64-trixie-linux-source-6.12-rust-kunit-*; do
	[ -f "$b/bm-built" ] && ln -s "$b" "$c/builds/$(basename "$b")"
done
export BOOTMATRIX_CACHE=$c
[ ${#c} -gt 45 ] || fail "the cache path is not long: $c"

$BM run --arch x86_64 --results "$d/res" tests/data/plans/lts.yaml >"$d/a.out" 2>"$d/a.err"; rc=$?
[ $rc -le 1 ] || fail "the run exited $rc: $(tail -n 3 "$d/a.err")"
m=$(ls "$d"/res/2*/matrix.json | head -n 1)
[ "$(json_get "$m" "d['jobs'][0]['boot']['status']")" = pass ] || fail "the boot did not pass"
alias=$(cat "$c"/libvirt/[0-9]*/alias) || fail "the root has no short path"
echo "root reached as $alias"
case $alias in /tmp/bm-lv-*/r) ;; *) fail "the short path is '$alias'" ;; esac
[ "$(stat -c %a "$(dirname "$alias")")" = 700 ] || fail "the short path's directory is not private"
# the next run sweeps the dead process's root and its short path
$BM run --arch x86_64 --results "$d/res" tests/data/plans/lts.yaml >"$d/b.out" 2>"$d/b.err"; rc=$?
[ $rc -le 1 ] || fail "the second run exited $rc: $(tail -n 3 "$d/b.err")"
[ -e "$(dirname "$alias")" ] && fail "the first run's short path is still there"
for a in "$c"/libvirt/[0-9]*/alias; do
	rm -rf "$(dirname "$(cat "$a")")"	# the second run's own, which nobody after it sweeps
done
exit 0
