#!/bin/sh
# `bootmatrix parse` in every output (the default, --json, each --format, standard input) on
# every console log of tests/data and on a generated log past the parser's limits, against the
# golden files in tests/data/parse: byte for byte, exit codes too, nothing on stderr. The
# goldens were made by the binary before parse streamed every format; a change that must not
# change a byte keeps this test green. BM_TEST_REGENERATE=1 rewrites them (review the diff).
#   tests/data/parse/NAME.MODE   stdout of one input (NAME: its path under tests/data, '/' as '+')
#   tests/data/parse/exit        "NAME MODE EXIT" for every output
#   tests/data/parse/big.sha256  the generated log's outputs, too large to keep: their sha256
. tests/lib.sh

need /usr/bin/python3 python3
[ -x "$BM" ] || fail "no '$BM': build it first"
golden=tests/data/parse
out=$(tmpdir)
regen=${BM_TEST_REGENERATE:-}
modes="default json text junit markdown kcidb html format-json stdin-json stdin-text"

# run_mode MODE INPUT OUT: one output of parse; prints its exit code. stderr must stay empty.
run_mode() {
	case $1 in
	default) set -- "$2" "$3" ;;
	json) set -- "$2" "$3" --json ;;
	format-json) set -- "$2" "$3" --format json ;;
	stdin-json) set -- "$2" "$3" --json - ;;
	stdin-text) set -- "$2" "$3" --format text - ;;
	*) set -- "$2" "$3" --format "$1" ;;
	esac
	_in=$1 _out=$2
	shift 2
	_rc=0
	case $* in
	*" -") "$BM" parse "$@" <"$_in" >"$_out" 2>"$_out.err" || _rc=$? ;;
	*) "$BM" parse "$@" "$_in" >"$_out" 2>"$_out.err" || _rc=$? ;;
	esac
	# (run in $(...): a failure is said on stderr)
	if [ -s "$_out.err" ]; then
		echo "FAIL: parse $* $_in wrote to stderr: $(head -c 300 "$_out.err")" >&2
		exit 1
	fi
	echo $_rc
}

# The inputs: every file under tests/data that a console could hold (the KTAP logs, the fuzz
# corpus's KTAP inputs, the hostile guest's source as a log without any KTAP).
inputs=$(find tests/data/ktap tests/data/fuzz/fuzz_ktap tests/data/hostile-guest -type f | LC_ALL=C sort)
: >"$out/exit"
n=0
for f in $inputs; do
	name=$(echo "${f#tests/data/}" | tr / +)
	for m in $modes; do
		rc=$(run_mode "$m" "$f" "$out/$name.$m") || exit 1
		echo "$name $m $rc" >>"$out/exit"
		n=$((n + 1))
	done
done

# A log past every limit the parser keeps (ktap.h: 20000 cases, 512-byte names, 32 levels),
# ≈3.6 MB, so reads split lines at every chunk size: the real x86_64 console's suites 200
# times, then a deep, long-named suite.
big=$out/big.log
/usr/bin/python3 - "$big" <<'PY'
import re, sys
lines = open("tests/data/ktap/x86_64-rust-kunit.log", errors="replace").read().splitlines()
start = next(i for i, l in enumerate(lines) if l.startswith("KTAP version"))
body, suites, cur = lines[start + 2:], [], []
for l in body:
    cur.append(l)
    if re.match(r"(not )?ok \d+ ", l):
        suites.append(cur); cur = []
reps = 200
with open(sys.argv[1], "w") as f:
    f.write("KTAP version 1\n1..%d\n" % (reps * len(suites) + 1))
    n = 0
    for _ in range(reps):
        for s in suites:
            n += 1
            for l in s[:-1]:
                f.write(l + "\n")
            f.write(re.sub(r"^((?:not )?ok) \d+", r"\1 %d" % n, s[-1]) + "\n")
    for d in range(40):
        f.write("    " * d + "    # Subtest: deep_%d_%s\n" % (d, "x" * 600))
    f.write("    " * 40 + "ok 1 leaf # SKIP %s\n" % ("y" * 700))
PY
for m in $modes; do
	rc=$(run_mode "$m" "$big" "$out/big.$m") || exit 1
	echo "big $m $rc" >>"$out/exit"
	(cd "$out" && sha256sum "big.$m") >>"$out/big.sha256"
	n=$((n + 1))
done

if [ -n "$regen" ]; then
	rm -rf "$golden"
	mkdir -p "$golden"
	for f in "$out"/*; do
		case $f in
		*.err | */big.log) continue ;;
		*/big.sha256) ;;
		*/big.*) continue ;;
		esac
		cp "$f" "$golden/"
	done
	rm -rf "$out"
	echo "regenerated $golden: $n outputs"
	exit 0
fi

[ -d "$golden" ] || fail "no goldens in $golden (BM_TEST_REGENERATE=1 makes them)"
diff -u "$golden/exit" "$out/exit" || fail "exit codes differ from $golden/exit"
diff -u "$golden/big.sha256" "$out/big.sha256" || fail "the generated log's outputs differ"
bad=0
for g in "$golden"/*; do
	case $g in */exit | */big.sha256) continue ;; esac
	b=$(basename "$g")
	if ! cmp -s "$g" "$out/$b"; then
		echo "differs: $b"
		diff -u "$g" "$out/$b" | head -n 20
		bad=$((bad + 1))
	fi
done
[ $bad -eq 0 ] || fail "$bad outputs differ from the goldens (all of them in $out)"
rm -rf "$out"	# kept when it fails
echo "ok: $n outputs of parse identical to the goldens"
