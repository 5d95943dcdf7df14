# Downloads with http_fetch (driven by tests/integration/http-driver.c, linked against libbm.a)
# from tests/http_server.py on 127.0.0.1, over HTTP and over HTTPS with a CA made for the test:
# a checksum mismatch keeps no file, an interrupted transfer is resumed with a Range request (and
# a partial file from an earlier process too, started over when corrupt or when the server
# ignores Range), a cache hit makes no request, concurrent fetches of one file make one request,
# 4xx is final, 5xx retried, and TLS is verified against --ca-file or the system's CAs (which
# do not know the test CA).
. tests/lib.sh
B=${B:-build}
CC=${CC:-cc}
need /usr/bin/python3 python3
need openssl "openssl, through ca-certificates"
need "$CC" build-essential
[ -f "$B/libbm.a" ] || fail "$B/libbm.a is missing (make builds it)"
out=$(tmpdir)
. tests/http-lib.sh
requests() { wc -l <"$out/$1.log"; }

# The file: 2 MB of random bytes.
mkdir -p "$out/files"
head -c 2000000 /dev/urandom >"$out/files/blob"
sha=$(sha256sum "$out/files/blob" | cut -d' ' -f1)
start_server http --root "$out/files"
http=http://127.0.0.1:$port

# A download: the path is CACHE/SHA256, the bytes are the file's, progress ends at the size.
c=$out/cache1
path=$($drv fetch "$http/files/blob" "$sha" "$c" 2>"$out/err") || { cat "$out/err"; fail "plain fetch"; }
[ "$path" = "$c/$sha" ] || fail "fetched to '$path', want '$c/$sha'"
cmp -s "$path" "$out/files/blob" || fail "the fetched file differs"
[ "$(tail -n 1 "$out/err")" = "progress 2000000 2000000" ] || fail "last progress: $(tail -n 1 "$out/err")"
[ ! -e "$c/$sha.part" ] || fail "the partial file stayed"
echo "ok: fetched into the cache, verified"

# A cache hit makes no request at all.
n=$(requests http)
path=$($drv fetch "$http/files/blob" "$sha" "$c") || fail "cache hit"
[ "$path" = "$c/$sha" ] || fail "cache hit gave '$path'"
[ "$(requests http)" = "$n" ] || fail "a cache hit made a request"
echo "ok: cache hit, no request"

# A checksum mismatch is refused and keeps no file.
wrong=$(echo other | sha256sum | cut -d' ' -f1)
c=$out/cache2
$drv fetch "$http/files/blob" "$wrong" "$c" - 1 0.05 2>"$out/err" && fail "a mismatching file was accepted"
cat "$out/err"
grep -qx "http-driver: input: checksum mismatch for '$http/files/blob': expected $wrong, got $sha" "$out/err" ||
	fail "wrong mismatch message"
[ -z "$(ls -A "$c")" ] || fail "files left after a mismatch: $(ls -A "$c")"
echo "ok: checksum mismatch refused, nothing kept"

# The connection is cut after 700000 bytes: the next attempt asks for the rest.
c=$out/cache3
n=$(requests http)
path=$($drv fetch "$http/drop/700000/files/blob" "$sha" "$c" - 4 0.05 2>"$out/err") ||
	{ cat "$out/err"; fail "interrupted fetch"; }
cmp -s "$path" "$out/files/blob" || fail "the resumed file differs"
tail -n +$((n + 1)) "$out/http.log" >"$out/new"
cat "$out/new"
[ "$(cat "$out/new")" = "GET /drop/700000/files/blob range=- auth=-
GET /drop/700000/files/blob range=bytes=700000- auth=-" ] || fail "not one cut request and one Range request"
# Progress: reported in both attempts, always out of the whole size (the resumed bytes count).
cat "$out/err"
[ "$(grep -c '^progress [0-9]* 2000000$' "$out/err")" -ge 3 ] && ! grep -v '^progress [0-9]* 2000000$' "$out/err" ||
	fail "progress not out of the whole size"
echo "ok: interrupted transfer resumed with Range, file verified"

# A partial file left by an earlier process (a crash, Ctrl-C) is resumed too.
c=$out/cache4
mkdir -p "$c"
head -c 1234567 "$out/files/blob" >"$c/$sha.part"
n=$(requests http)
path=$($drv fetch "$http/files/blob" "$sha" "$c" - 0 0.05) || fail "fetch with a partial file"
cmp -s "$path" "$out/files/blob" || fail "the file resumed from a partial differs"
[ "$(tail -n +$((n + 1)) "$out/http.log")" = "GET /files/blob range=bytes=1234567- auth=-" ] ||
	fail "the partial file was not resumed: $(tail -n +$((n + 1)) "$out/http.log")"
echo "ok: partial file from an earlier process resumed"

# A corrupt partial file: resumed, mismatch, started over once, verified.
c=$out/cache5
mkdir -p "$c"
head -c 50000 /dev/urandom >"$c/$sha.part"
n=$(requests http)
path=$($drv fetch "$http/files/blob" "$sha" "$c" - 0 0.05) || fail "fetch with a corrupt partial file"
cmp -s "$path" "$out/files/blob" || fail "the file after a corrupt partial differs"
[ "$(tail -n +$((n + 1)) "$out/http.log")" = "GET /files/blob range=bytes=50000- auth=-
GET /files/blob range=- auth=-" ] || fail "corrupt partial: $(tail -n +$((n + 1)) "$out/http.log")"
echo "ok: corrupt partial file started over"

# A server that ignores Range (200 and the whole file): the partial file is replaced.
c=$out/cache6
mkdir -p "$c"
head -c 1000 "$out/files/blob" >"$c/$sha.part"
path=$($drv fetch "$http/norange/files/blob" "$sha" "$c" - 0 0.05) || fail "fetch ignoring Range"
cmp -s "$path" "$out/files/blob" || fail "the file from a server ignoring Range differs"
echo "ok: Range ignored, downloaded whole"

# 404 is final: one request, no retry.
n=$(requests http)
$drv fetch "$http/status/404" "$sha" "$out/cache7" - 4 0.05 2>"$out/err" && fail "404 succeeded"
grep -qx "http-driver: input: '$http/status/404' answered 404 Not Found" "$out/err" || { cat "$out/err"; fail "404 message"; }
[ "$(requests http)" = $((n + 1)) ] || fail "404 was retried"
[ ! -e "$out/cache7/$sha.part" ] || fail "an empty partial file stayed after 404"
echo "ok: 404 final"

# 500 twice, then 200: retried.
n=$(requests http)
path=$($drv fetch "$http/fail/2/files/blob" "$sha" "$out/cache8" - 4 0.05) || fail "500 x2 then 200 failed"
cmp -s "$path" "$out/files/blob" || fail "the file after retries differs"
[ "$(requests http)" = $((n + 3)) ] || fail "not 3 requests for 500, 500, 200"
echo "ok: 500 x2 then 200 retried"

# 500 for ever: given up after the retries, with the count.
n=$(requests http)
$drv fetch "$http/fail/99/files/blob" "$sha" "$out/cache9" - 2 0.05 2>"$out/err" && fail "500 succeeded"
grep -qx "http-driver: infra: '$http/fail/99/files/blob' answered 500 Internal Server Error (gave up after 3 attempts)" "$out/err" ||
	{ cat "$out/err"; fail "500 message"; }
[ "$(requests http)" = $((n + 3)) ] || fail "not 3 requests with 2 retries"
echo "ok: 500 retried, then given up"

# Two processes fetching the same file into one cache: one request, both get the file.
c=$out/cache10
n=$(requests http)
$drv fetch "$http/files/blob" "$sha" "$c" >"$out/p1" 2>/dev/null &
p1=$!
$drv fetch "$http/files/blob" "$sha" "$c" >"$out/p2" 2>/dev/null || fail "the second concurrent fetch failed"
wait $p1 || fail "the first concurrent fetch failed"
[ "$(cat "$out/p1")" = "$c/$sha" ] && [ "$(cat "$out/p2")" = "$c/$sha" ] || fail "concurrent fetches: wrong paths"
[ "$(requests http)" = $((n + 1)) ] || fail "concurrent fetches made $(($(requests http) - n)) requests"
cmp -s "$c/$sha" "$out/files/blob" || fail "the concurrently fetched file differs"
echo "ok: concurrent fetches, one request"

# HTTPS: a CA and a certificate for 127.0.0.1 made here.
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
start_server https --root "$out/files" --cert "$tls/srv.crt" --key "$tls/srv.key"
https=https://127.0.0.1:$port

path=$($drv fetch "$https/drop/300000/files/blob" "$sha" "$out/cache11" "$tls/ca.crt" 4 0.05 2>"$out/err") ||
	{ cat "$out/err"; fail "HTTPS fetch with the test CA"; }
cmp -s "$path" "$out/files/blob" || fail "the HTTPS file differs"
grep -q 'range=bytes=300000-' "$out/https.log" || fail "no Range request over HTTPS"
echo "ok: HTTPS with --ca-file, resumed"

# The system's CAs do not know the test CA: refused, at once (not retried).
start=$(date +%s)
$drv fetch "$https/files/blob" "$sha" "$out/cache12" - 4 2 2>"$out/err" && fail "an unknown CA was accepted"
cat "$out/err"
grep -q "^http-driver: infra: downloading '$https/files/blob': .*certificate" "$out/err" || fail "not a certificate error"
[ $(($(date +%s) - start)) -lt 2 ] || fail "a verification failure was retried"
[ ! -e "$out/cache12/$sha" ] || fail "a file from an unverified server was kept"
echo "ok: HTTPS without the CA refused"
