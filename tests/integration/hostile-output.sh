# A kernel tree's build leaves traps in its build directory for the host (docs/security.md):
# .config a symlink to a host file, a FIFO where the .bm-used stamp goes, bm-kselftest a symlink
# to a host directory the plan's out-of-tree kselftests are copied into. tests/data/
# hostile-output-tree does it through the real binary and bubblewrap, compiling nothing. Each
# is refused with an infra reason; nothing of the host file reaches the results, nothing is
# written into the host directory, and no run hangs (each is bounded by timeout).
. tests/lib.sh
need_root
out=$(tmpdir)
abs=$(cd "$out" && pwd)
cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
# the build directories these runs make (named after the trees), removed afterwards
builds_before=" $(ls "$cache/builds" 2>/dev/null | tr '\n' ' ') "
remove_new_builds() {
	for b in $(ls "$cache/builds" 2>/dev/null); do
		case $b in *-hostile-out-*) ;; *) continue ;; esac
		case $builds_before in *" $b "*) ;; *) rm -rf "${cache:?}/builds/$b" ;; esac
	done
}
trap remove_new_builds EXIT

secret="bm-hostile-output-secret-$$-$(date +%s%N)"
echo "$secret" >"$out/secret"
mkdir "$out/hostdir"
echo "host list" >"$out/hostdir/kselftest-list.txt"
mkdir -p "$out/extra/mytests"
printf '#!/bin/sh\necho ok\n' >"$out/extra/mytests/run.sh"
chmod 755 "$out/extra/mytests/run.sh"

# tree MODE HOSTPATH: a copy of the hostile tree doing MODE against HOSTPATH; prints its path
tree() {
	t=$abs/hostile-out-$1
	cp -r tests/data/hostile-output-tree "$t"
	echo "$1" >"$t/mode"
	echo "$2" >"$t/host"
	echo "$t"
}
# run NAME PLAN: bootmatrix run, bounded; fails on a hang or a harness error (exit 2)
run() {
	timeout -k 10 300 $BM run --results "$out/$1" "$2" >"$out/$1.log" 2>&1
	rc=$?
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || fail "$1: the run hung (killed after 300 s): $(tail -n 3 "$out/$1.log")"
	[ $rc -eq 1 ] || fail "$1: exited $rc (want 1: an infra result): $(tail -n 3 "$out/$1.log")"
	matrix=$(ls "$out/$1"/2*/matrix.json)
	status=$(json_get "$matrix" 'd["jobs"][0]["build"]["status"]')
	detail=$(json_get "$matrix" 'd["jobs"][0]["build"].get("detail", "")')
	echo "$1: build $status: $detail"
	[ "$status" = infra ] || fail "$1: build $status, want infra"
	grep -rqs -- "$secret" "$out/$1" && fail "$1: the host file reached the results"
	grep -rqs -- "$secret" "$out/$1.log" && fail "$1: the host file reached the output"
	return 0
}

# .config -> the host file: the build is infra, the results get no config
t=$(tree config-link "$abs/secret")
cat >"$out/config.yaml" <<PLAN
sources:
  - path: $t
toolchains: [trixie]
arches: [x86_64]
configs: [rust-kunit]
PLAN
run config "$out/config.yaml"
grep -q 'hostile-output: .config ->' "$out"/config/2*/*/build.log || fail "the hostile Makefile did not run"
case $detail in *"refusing '"*"/.config'"*symlink*) ;; *) fail "config: no reason naming .config: $detail" ;; esac
[ ! -e "$(ls -d "$out"/config/2*/*/ | head -n 1)config" ] || fail "config: a config was copied into the results"
echo "ok: .config as a symlink to a host file refused, nothing copied"

# the same tree again: its build directory holds the FIFO where .bm-used goes; refused, no hang
run fifo "$out/config.yaml"
case $detail in *"refusing '"*"/.bm-used': not a regular file"*) ;; *) fail "fifo: no reason naming .bm-used: $detail" ;; esac
echo "ok: a FIFO where a stamp goes refused at once"

# bm-kselftest -> a host directory: the plan's extra tests are not copied there
t=$(tree ks-link "$abs/hostdir")
cat >"$out/ks.yaml" <<PLAN
sources:
  - path: $t
toolchains: [trixie]
arches: [x86_64]
configs: [rust-kunit]
kselftest:
  targets: [size]
  extra: [$abs/extra/mytests]
PLAN
run ks "$out/ks.yaml"
grep -q 'hostile-output: .*bm-kselftest ->' "$out"/ks/2*/*/build.log || fail "the hostile selftests Makefile did not run"
case $detail in *"kselftest: "*"refusing '"*"/bm-kselftest'"*symlink*) ;; *) fail "ks: no reason naming bm-kselftest: $detail" ;; esac
[ "$(ls "$out/hostdir")" = kselftest-list.txt ] || fail "ks: written into the host directory: $(ls "$out/hostdir")"
[ "$(cat "$out/hostdir/kselftest-list.txt")" = "host list" ] || fail "ks: the host's kselftest-list.txt changed"
echo "ok: bm-kselftest as a symlink to a host directory refused, nothing written there"
