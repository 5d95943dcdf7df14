# bootmatrix submit against tests/http_server.py on 127.0.0.1 (HTTP, and HTTPS with a CA made
# here). The history holds runs made by tests/integration/http-driver.c from a real KUnit log
# (a run needs no kernel for this). The server checks the KCIDB v5.3 essentials (version 5.3,
# ids and origins, build -> checkout and test -> build links, statuses) and the bearer token;
# a wrong token is answered 401 with the token echoed back, and bootmatrix must exit 2 naming
# the status without ever printing the token. 500 twice, then 200: retried.
. tests/lib.sh
B=${B:-build}
CC=${CC:-cc}
need /usr/bin/python3 python3
need openssl "openssl, through ca-certificates"
need "$CC" build-essential
$BM submit --help >/dev/null 2>&1 || fail "$BM has no submit command"
[ -f "$B/libbm.a" ] || fail "$B/libbm.a is missing (make builds it)"
out=$(tmpdir)
unset BOOTMATRIX_TOKEN
. tests/http-lib.sh

# Two runs; the newest (same start second, larger id) is the default.
res=$out/res
mkdir -p "$res"
$drv history "$res/history.sqlite" tests/data/ktap/x86_64-rust-kunit.log 20261121-120000-aaaa || fail "history"
$drv history "$res/history.sqlite" tests/data/ktap/x86_64-rust-kunit.log 20261121-120000-bbbb || fail "history"

token=tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" >"$out/token"
mkdir -p "$out/posts"
start_server http --posts "$out/posts" --token-file "$out/token"
http=http://127.0.0.1:$port

# KCIDB, the token from the environment.
BOOTMATRIX_TOKEN=$token $BM submit --results "$res" --kcidb "$http/kcidb" >"$out/stdout" 2>"$out/stderr"; rc=$?
cat "$out/stdout" "$out/stderr"
[ $rc -eq 0 ] || fail "KCIDB submission exited $rc"
grep -qx "submitted run 20261121-120000-bbbb (1 job, kcidb) to $http/kcidb: HTTP 200" "$out/stdout" ||
	fail "no success line"
[ "$(tail -n 1 "$out/http.log")" = "POST /kcidb range=- auth=bearer-ok" ] || fail "not one POST with the token"
/usr/bin/python3 - "$out/posts/1.json" <<'EOF' || fail "the submitted KCIDB JSON"
import json, sys

d = json.load(open(sys.argv[1]))
assert d["version"] == {"major": 5, "minor": 3}, d["version"]
assert len(d["checkouts"]) == 1 and len(d["builds"]) == 1, d
assert d["checkouts"][0]["id"].startswith("bootmatrix:20261121-120000-bbbb:"), d["checkouts"][0]["id"]
assert d["builds"][0]["checkout_id"] == d["checkouts"][0]["id"]
tests = d["tests"]
assert len(tests) > 10, len(tests)
assert all(t["build_id"] == d["builds"][0]["id"] for t in tests)
assert {t["status"] for t in tests} <= {"PASS", "FAIL", "ERROR", "MISS", "DONE", "SKIP"}
assert any(t["path"].startswith("kunit.") for t in tests)
print(f"ok: {len(tests)} tests in the KCIDB submission")
EOF

# A webhook gets matrix.json; an explicit RUN; the token from a file; --origin.
$BM submit --results "$res" --webhook "$http/webhook" --token-file "$out/token" 20261121-120000-aaaa ||
	fail "webhook submission"
[ "$(json_get "$out/posts/2.json" 'd["run"]')" = 20261121-120000-aaaa ] || fail "the webhook got another run"
[ "$(json_get "$out/posts/2.json" 'len(d["jobs"])')" = 1 ] || fail "the webhook's matrix has no job"
BOOTMATRIX_TOKEN=$token $BM submit --results "$res" --kcidb "$http/kcidb" --origin my_lab >/dev/null ||
	fail "submission with --origin"
[ "$(json_get "$out/posts/3.json" 'd["builds"][0]["origin"]')" = my_lab ] || fail "--origin not used"
echo "ok: webhook, RUN, --token-file, --origin"

# A wrong token: 401, exit 2, one line naming the status; the server echoes the token it got,
# and neither it nor the right one appears in anything bootmatrix prints.
wrong=wrong-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
BOOTMATRIX_TOKEN=$wrong $BM submit --results "$res" --kcidb "$http/kcidb" >"$out/stdout" 2>"$out/stderr"; rc=$?
cat "$out/stdout" "$out/stderr"
[ $rc -eq 2 ] || fail "401 exited $rc, want 2"
[ "$(wc -l <"$out/stderr")" = 1 ] || fail "not one line on stderr"
grep -q "answered 401 Unauthorized: invalid credentials" "$out/stderr" || fail "the 401 is not named"
! grep -q -e "$wrong" -e "$token" "$out/stdout" "$out/stderr" || fail "a token was printed"
grep -q "$wrong" "$out/http.log" && fail "the test server logs tokens (it should not)"
[ "$(tail -n 1 "$out/http.log")" = "POST /kcidb range=- auth=bearer-bad" ] || fail "401 was retried"
echo "ok: 401, exit 2, no token printed"

# No token at all: 401 too.
$BM submit --results "$res" --kcidb "$http/kcidb" 2>"$out/stderr" && fail "no token was accepted"
grep -q "answered 401 Unauthorized" "$out/stderr" || fail "no 401 without a token"
[ "$(tail -n 1 "$out/http.log")" = "POST /kcidb range=- auth=-" ] || fail "a token was sent from nowhere"

# 500 twice, then 200 (the default backoff: 1 s, 2 s).
n=$(wc -l <"$out/http.log")
BOOTMATRIX_TOKEN=$token $BM submit --results "$res" --kcidb "$http/fail/2/kcidb" || fail "500 x2 then 200"
[ "$(wc -l <"$out/http.log")" = $((n + 3)) ] || fail "not 3 POSTs for 500, 500, 200"
echo "ok: 500 x2 then 200 retried"

# Usage: the token is never taken from the command line, and never echoed.
$BM submit --results "$res" --kcidb "$http/kcidb" --token "$token" >"$out/stdout" 2>"$out/stderr"; rc=$?
[ $rc -eq 2 ] || fail "--token exited $rc"
grep -q "BOOTMATRIX_TOKEN or --token-file" "$out/stderr" || fail "--token refused without a hint"
! grep -q "$token" "$out/stdout" "$out/stderr" || fail "--token's value was printed"
$BM submit --results "$res" 2>"$out/stderr" && fail "no URL accepted"
grep -q "needs exactly one of --kcidb URL and --webhook URL" "$out/stderr" || fail "no URL: message"
$BM submit --results "$res" --kcidb "$http/kcidb" --webhook "$http/webhook" 2>/dev/null && fail "two URLs accepted"
$BM submit --results "$res" --kcidb "$http/kcidb" no-such-run 2>"$out/stderr" && fail "an unknown run was accepted"
grep -q "no-such-run" "$out/stderr" || fail "the unknown run is not named"
$BM submit --results "$out/nothing" --kcidb "$http/kcidb" 2>"$out/stderr" && fail "a missing history was accepted"
echo "ok: usage errors"

# HTTPS: with the test CA it goes through; with the system's CAs it is refused.
tls=$out/tls
mkdir -p "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=bootmatrix-test-ca -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>"$out/openssl.log" &&
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
	-keyout "$tls/srv.key" -out "$tls/srv.csr" 2>>"$out/openssl.log" &&
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$tls/srv.ext" &&
openssl x509 -req -in "$tls/srv.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
	-days 2 -extfile "$tls/srv.ext" -out "$tls/srv.crt" 2>>"$out/openssl.log" ||
	{ cat "$out/openssl.log"; fail "cannot make the test certificates"; }
start_server https --posts "$out/posts" --token-file "$out/token" --cert "$tls/srv.crt" --key "$tls/srv.key"
https=https://127.0.0.1:$port
BOOTMATRIX_TOKEN=$token $BM submit --results "$res" --kcidb "$https/kcidb" --ca-file "$tls/ca.crt" ||
	fail "HTTPS submission with --ca-file"
BOOTMATRIX_TOKEN=$token $BM submit --results "$res" --kcidb "$https/kcidb" 2>"$out/stderr"; rc=$?
cat "$out/stderr"
[ $rc -eq 2 ] || fail "HTTPS without the CA exited $rc"
grep -q "certificate" "$out/stderr" || fail "not a certificate error"
[ "$(wc -l <"$out/https.log")" = 1 ] || fail "the unverified server got a request"
echo "ok: HTTPS with --ca-file; without it refused"
