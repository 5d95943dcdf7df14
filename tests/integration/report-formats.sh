# The report formats' golden files (tests/data/report, written by tests/unit/test_report.c) are
# what the tools that read them accept: the JUnit XML and the HTML parse as XML (xmllint), the
# HTML also with libxml2's HTML parser, the KCIDB JSON has the keys, id patterns, statuses and
# links of the KCIDB v5.3 schema. The *-hostile files come from names and details full of markup,
# quotes, control bytes and invalid UTF-8.
. tests/lib.sh
d=${BM_TESTDATA:-tests/data}/report
need xmllint libxml2-utils
need /usr/bin/python3 python3

for f in junit.xml junit-hostile.xml report.html report-hostile.html; do
	[ -f "$d/$f" ] || fail "$d/$f is missing"
	xmllint --noout "$d/$f" || fail "$f is not well-formed XML"
	echo "ok: $f is well-formed XML"
done

# libxml2's HTML parser knows HTML 4 only: HTML5's <details> and <summary> are the only
# complaints allowed.
for f in report.html report-hostile.html; do
	errors=$(xmllint --html --noout "$d/$f" 2>&1 | grep 'error :' |
		grep -v -e 'Tag details invalid' -e 'Tag summary invalid')
	[ -z "$errors" ] || fail "$f: HTML parser errors: $errors"
	echo "ok: $f parses as HTML"
done

# JUnit: the rules of Jenkins' xunit schema (junit-10.xsd) and ours (tests/junit-check.py): every
# testcase has a classname and a name, unique together (GitLab keeps only the first of
# duplicates), the counts add up. The goldens, and `parse --format junit` of every real log.
/usr/bin/python3 tests/junit-check.py "$d/junit.xml" "$d/junit-hostile.xml" || fail "JUnit goldens"
out=$(tmpdir)
n=0
for log in ${BM_TESTDATA:-tests/data}/ktap/*.log; do
	x=$out/$(basename "$log" .log).xml
	$BM parse --format junit "$log" > "$x"
	[ $? -le 1 ] || fail "parse --format junit $log failed"
	/usr/bin/python3 tests/junit-check.py "$x" > "$x.check" || fail "$(cat "$x.check")"
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no logs in tests/data/ktap"
echo "ok: parse --format junit of $n real logs keeps the junit-10.xsd rules"

# KCIDB v5.3 (kcidb-io's schema: kcidb_io/schema/v05_03.py).
for f in kcidb.json kcidb-hostile.json; do
	/usr/bin/python3 - "$d/$f" <<'EOF' || fail "$f: not KCIDB v5.3"
import json
import re
import sys

origin_re = re.compile(r"^[a-z0-9_]+$")
id_re = re.compile(r"^[a-z0-9_]+:.*$")
path_re = re.compile(r"^([a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*)?$")
arch_re = re.compile(r"^[a-z0-9_]*$")
statuses = {"FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"}
allowed = {
    "checkouts": {"_timestamp", "id", "origin", "tree_name", "git_repository_url",
                  "git_commit_hash", "git_commit_name", "git_commit_tags", "git_commit_message",
                  "git_repository_branch", "git_repository_branch_tip", "patchset_files",
                  "patchset_hash", "message_id", "comment", "start_time",
                  "origin_builds_finish_time", "origin_tests_finish_time", "log_url",
                  "log_excerpt", "valid", "misc"},
    "builds": {"_timestamp", "checkout_id", "id", "origin", "comment", "start_time", "duration",
               "architecture", "command", "compiler", "input_files", "output_files",
               "config_name", "config_url", "log_url", "log_excerpt", "status", "misc"},
    "tests": {"_timestamp", "build_id", "id", "origin", "environment", "path", "comment",
              "log_url", "log_excerpt", "status", "number", "start_time", "duration",
              "input_files", "output_files", "misc"},
}
required = {"checkouts": {"id", "origin"}, "builds": {"checkout_id", "id", "origin"},
            "tests": {"build_id", "id", "origin"}}


def no_nulls(v, where):
    if v is None:
        raise AssertionError(f"null at {where}")
    if isinstance(v, dict):
        for k, x in v.items():
            no_nulls(x, f"{where}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            no_nulls(x, f"{where}[{i}]")


d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["version"] == {"major": 5, "minor": 3}, d["version"]
assert set(d) <= {"version", "checkouts", "builds", "tests", "issues", "incidents"}, set(d)
no_nulls(d, "$")
ids = {}
for kind in ("checkouts", "builds", "tests"):
    ids[kind] = set()
    for o in d[kind]:
        assert required[kind] <= set(o), (kind, o)
        assert set(o) <= allowed[kind], (kind, set(o) - allowed[kind])
        assert origin_re.match(o["origin"]), o["origin"]
        assert id_re.match(o["id"]) and o["id"].startswith(o["origin"] + ":"), o["id"]
        assert o["id"] not in ids[kind], f"duplicate id {o['id']}"
        ids[kind].add(o["id"])
        if "status" in o:
            assert o["status"] in statuses, o["status"]
        if "log_excerpt" in o:
            assert len(o["log_excerpt"]) <= 16384
        for k, v in o.items():
            if isinstance(v, str):
                assert "\0" not in v, (k, v)
for b in d["builds"]:
    assert b["checkout_id"] in ids["checkouts"], b["checkout_id"]
    assert arch_re.match(b.get("architecture", "")), b["architecture"]
for t in d["tests"]:
    assert t["build_id"] in ids["builds"], t["build_id"]
    assert path_re.match(t["path"]), t["path"]
    assert t["path"] == "boot" or t["path"].startswith(("kunit.", "kselftest.")), t["path"]
print(f"ok: {sys.argv[1]}: {len(d['checkouts'])} checkouts, {len(d['builds'])} builds, "
      f"{len(d['tests'])} tests")
EOF
done
