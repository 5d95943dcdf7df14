#!/usr/bin/python3
"""Check JUnit XML files against the rules of Jenkins' xunit schema (junit-10.xsd, the strictest
consumer our users feed) and our own: usage `junit-check.py FILE...`, exit 1 with one line per
violation.

The schema's rules, written down here from its documentation rather than copied:
- <testsuites> may carry only name, time, tests, failures, errors; its children are <testsuite>s.
- <testsuite> must carry name, tests, failures, errors; it may carry group, time, skipped,
  timestamp, hostname, id, package, file, log, url; its children are testsuite, properties,
  testcase, system-out and system-err, in any order.
- <testcase> must carry name; it may carry time, classname, group; its children are skipped,
  error, failure, rerunFailure, rerunError, flakyFailure, flakyError, system-out, system-err.
- failure, error and skipped may carry type and message, and hold text only.
- <properties> holds <property> elements, each with both name and value and nothing else.
- rerun*/flaky* elements must carry type.
- time is digits (thousands may be grouped by commas) with an optional fraction: no sign, no
  exponent, no "nan".
Ours: every testcase has a classname; (classname, name) is unique within a testsuite (GitLab keeps
only the first of duplicates); the counts of each testsuite and of the whole file add up.
"""
import re
import sys
import xml.etree.ElementTree as ET

TIME_RE = re.compile(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$")
RESULT = {"failure", "error", "skipped"}
RERUN = {"rerunFailure", "rerunError", "flakyFailure", "flakyError"}
RULES = {
    # element: (required attributes, optional attributes, allowed children)
    "testsuites": (set(), {"name", "time", "tests", "failures", "errors"}, {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors"},
                  {"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file",
                   "log", "url"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "testcase": ({"name"}, {"time", "classname", "group"},
                 RESULT | RERUN | {"system-out", "system-err"}),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, set(), set()),
    "failure": (set(), {"type", "message"}, set()),
    "error": (set(), {"type", "message"}, set()),
    "skipped": (set(), {"type", "message"}, set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}
for r in RERUN:
    RULES[r] = ({"type"}, {"message"}, {"stackTrace", "system-out", "system-err"})
for leaf in ("stackTrace",):
    RULES[leaf] = (set(), set(), set())


def check_schema(elem, path, problems):
    rule = RULES.get(elem.tag)
    where = f"{path}/{elem.tag}"
    if rule is None:
        problems.append(f"{where}: element not in the schema")
        return
    required, optional, children = rule
    for a in sorted(required - set(elem.attrib)):
        problems.append(f"{where}: required attribute '{a}' missing")
    for a in sorted(set(elem.attrib) - required - optional):
        problems.append(f"{where}: attribute '{a}' not allowed")
    if "time" in elem.attrib and not TIME_RE.match(elem.get("time")):
        problems.append(f"{where}: time '{elem.get('time')}' is not a number the schema takes")
    for child in elem:
        if child.tag not in children:
            problems.append(f"{where}: child <{child.tag}> not allowed")
        else:
            check_schema(child, where, problems)


def check_counts(root, problems):
    keys = ("tests", "failures", "errors", "skipped")
    total = dict.fromkeys(keys, 0)
    for ts in root.iter("testsuite"):
        seen = set()
        count = dict.fromkeys(keys, 0)
        for tc in ts.findall("testcase"):
            key = (tc.get("classname"), tc.get("name"))
            if not key[0]:
                problems.append(f"testsuite '{ts.get('name')}': testcase '{key[1]}' has no classname")
            if key in seen:
                problems.append(f"testsuite '{ts.get('name')}': duplicate testcase {key}")
            seen.add(key)
            count["tests"] += 1
            for elem, k in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
                if tc.find(elem) is not None:
                    count[k] += 1
        for k, v in count.items():
            if ts.get(k) is not None and int(ts.get(k)) != v:
                problems.append(f"testsuite '{ts.get('name')}': {k}={ts.get(k)}, counted {v}")
            total[k] += v
    if root.tag == "testsuites":
        for k in ("tests", "failures", "errors"):
            if root.get(k) is not None and int(root.get(k)) != total[k]:
                problems.append(f"testsuites: {k}={root.get(k)}, counted {total[k]}")
    return total


def main():
    bad = False
    for path in sys.argv[1:]:
        problems = []
        root = ET.parse(path).getroot()
        if root.tag not in ("testsuites", "testsuite"):
            problems.append(f"root element <{root.tag}> is neither testsuites nor testsuite")
        check_schema(root, "", problems)
        total = check_counts(root, problems)
        for p in problems:
            print(f"{path}: {p}")
        if problems:
            bad = True
        else:
            print(f"ok: {path}: junit-10.xsd rules hold; {total}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
