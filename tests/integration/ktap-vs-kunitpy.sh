#!/bin/sh
# Every log in tests/data/ktap: `bootmatrix parse --json` and the kernel's own
# `kunit.py parse` agree on the totals. pass, fail and skip must be equal. For crash the two
# differ by design: when the output stops inside a suite, kunit.py counts every planned case that
# never reported as crashed, bootmatrix only the one that was running. So crash must agree on
# whether there was one, and bootmatrix's count may not exceed kunit.py's.
# Needs BM_KERNEL_SRC: a kernel tree with tools/testing/kunit/kunit.py.
. tests/lib.sh

[ -n "$BM_KERNEL_SRC" ] || skip "BM_KERNEL_SRC is not set (a kernel tree with tools/testing/kunit)"
kunit=$BM_KERNEL_SRC/tools/testing/kunit/kunit.py
[ -f "$kunit" ] || skip "no kunit.py at '$kunit'"
need /usr/bin/python3 python3
[ -x "$BM" ] || fail "no '$BM': build it first"

out=$(tmpdir)
n=0
bad=0
for log in tests/data/ktap/*.log; do
	[ -f "$log" ] || continue
	# kunit.py reads only the first document and counts kselftest programs, not their cases.
	case $log in *kselftest*) continue ;; esac
	name=$(basename "$log" .log)
	"$BM" parse --json "$log" >"$out/$name.json"
	rc=$?
	# 0: all passed, 1: some failed or crashed; anything else is the harness failing.
	[ $rc -le 1 ] || fail "$name: bootmatrix parse exited $rc"
	# kunit.py changes to the kernel tree: give it an absolute path.
	case $log in
	/*) abs=$log ;;
	*) abs=$PWD/$log ;;
	esac
	/usr/bin/python3 "$kunit" parse "$abs" >"$out/$name.kunit" 2>&1
	/usr/bin/python3 - "$name" "$out/$name.json" "$out/$name.kunit" <<'EOF'
import json, re, sys

name, bm_path, kunit_path = sys.argv[1:4]
bm = json.load(open(bm_path))["totals"]
text = re.sub(r"\x1b\[[0-9;]*m", "", open(kunit_path, errors="replace").read())
lines = re.findall(r"Testing complete\. Ran (\d+) tests?(?:: (.*))?", text)
if not lines:
    print(f"FAIL {name}: no summary line from kunit.py:\n{text[-2000:]}")
    sys.exit(1)
ran, rest = lines[-1]
k = {"passed": 0, "failed": 0, "skipped": 0, "crashed": 0, "errors": 0}
for part in (rest or "").split(","):
    m = re.match(r"\s*(\w+): (\d+)", part)
    if m:
        k[m.group(1)] = int(m.group(2))
ok = (bm["pass"] == k["passed"] and bm["fail"] == k["failed"] and bm["skip"] == k["skipped"]
      and (bm["crash"] > 0) == (k["crashed"] > 0) and bm["crash"] <= k["crashed"])
print(f"{'ok  ' if ok else 'FAIL'} {name}: bootmatrix pass {bm['pass']} fail {bm['fail']} "
      f"skip {bm['skip']} crash {bm['crash']}; kunit.py ran {ran}: pass {k['passed']} "
      f"fail {k['failed']} skip {k['skipped']} crash {k['crashed']} (errors {k['errors']})")
sys.exit(0 if ok else 1)
EOF
	[ $? -eq 0 ] || bad=$((bad + 1))
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no logs in tests/data/ktap"
[ $bad -eq 0 ] || fail "$bad of $n logs disagree with kunit.py"
echo "all $n logs agree with kunit.py"
