# Bad input: one line naming file:line:column and the choices, exit 2, nothing run.
. tests/lib.sh
out=$(tmpdir)
check() {
	plan=$1 want=$2
	$BM run --quiet --results "$out" "$plan" >"$out/stdout" 2>"$out/stderr"
	rc=$?
	[ $rc -eq 2 ] || fail "$plan: exit $rc, want 2"
	[ "$(wc -l <"$out/stderr")" -eq 1 ] || fail "$plan: error is not one line: $(cat "$out/stderr")"
	grep -qF -- "$want" "$out/stderr" || fail "$plan: got '$(cat "$out/stderr")', want '$want'"
	echo "ok: $(cat "$out/stderr")"
}
d=tests/data/plans
check $d/typo-arch.yaml "bootmatrix: $d/typo-arch.yaml:6:5: arches: unknown arch 'rsicv64' (known: "
check $d/unknown-key.yaml "bootmatrix: $d/unknown-key.yaml:5:1: plan: unknown key 'config'"
check $d/syntax.yaml "bootmatrix: $d/syntax.yaml:4:7: YAML syntax:"
check $d/missing-tree.yaml "bootmatrix: $d/missing-tree.yaml:2:11: path: no kernel tree at '/nonexistent/linux'"
check /nonexistent.yaml "bootmatrix: cannot open '/nonexistent.yaml': No such file or directory"
# A dead libvirt connection is found before anything is built.
$BM run --quiet --results "$out" --connect 'qemu+unix:///system?socket=/nonexistent/sock' \
	configs/default.yaml >"$out/stdout" 2>"$out/stderr"
rc=$?
[ $rc -eq 2 ] || fail "dead connection: exit $rc, want 2"
[ "$(wc -l <"$out/stderr")" -eq 1 ] || fail "dead connection: not one line: $(cat "$out/stderr")"
grep -q "^bootmatrix: libvirt connection: .*nonexistent" "$out/stderr" || fail "dead connection: $(cat "$out/stderr")"
echo "ok: $(cat "$out/stderr")"
# Usage errors are exit 2 as well.
$BM run >/dev/null 2>&1; [ $? -eq 2 ] || fail "run without a plan is not exit 2"
$BM frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "an unknown command is not exit 2"
$BM run --help | grep -q '^usage: bootmatrix run' || fail "run --help"
# A cache others can write is not trusted: nothing is built from it.
open_cache=$(tmpdir)/cache
mkdir -p "$open_cache" && chmod 0777 "$open_cache"
BOOTMATRIX_CACHE=$open_cache $BM run --quiet --results "$out" configs/default.yaml \
	>"$out/stdout" 2>"$out/stderr"
rc=$?
[ $rc -eq 2 ] || fail "open cache: exit $rc, want 2"
[ "$(wc -l <"$out/stderr")" -eq 1 ] || fail "open cache: not one line: $(cat "$out/stderr")"
grep -q "^bootmatrix: cache '$open_cache' is writable by others (mode 0777): chmod go-w" "$out/stderr" ||
	fail "open cache: $(cat "$out/stderr")"
[ -z "$(ls "$open_cache")" ] || fail "open cache: something was put there: $(ls "$open_cache")"
echo "ok: $(cat "$out/stderr")"
