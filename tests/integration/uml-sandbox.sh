# UML kernels are host processes and untrusted: the UML backend runs them in a sandbox
# (docs/security.md). A stand-in for a hostile kernel (tests/data/hostile-guest/guest.c, a static
# program started exactly as `linux` is) cannot read host files, write outside its directory,
# act as root or reach a listener on the host's loopback. Real UML kernels boot in the same
# sandbox in boot-um*.sh.
. tests/lib.sh
need_root
B=${B:-build}
CC=${CC:-cc}
[ -f "$B/libbm.a" ] || fail "$B/libbm.a is missing (make builds it)"
out=$(tmpdir)
pkgs="libvirt yaml-0.1 libssh libcurl sqlite3 jansson libcrypto libxml-2.0 libarchive"
$CC -std=gnu11 -Iharness -o "$out/uml-driver" tests/integration/uml-driver.c "$B/libbm.a" \
	$(pkg-config --libs $pkgs) -lpthread || fail "cannot build the test driver"
$CC -static -O2 -o "$out/guest" tests/data/hostile-guest/guest.c || fail "cannot build the guest"
start_listener "$out/port" "$out/connections"
lpid=$listener_pid
mkdir -p "$out/job"
"$out/uml-driver" "$out/guest" "$out/job/console.log" "port=$(cat "$out/port")" >"$out/outcome"
rc=$?
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null
[ $rc -eq 0 ] || fail "the driver failed: $(cat "$out/outcome")"
cat "$out/job/console.log"
grep -q '^guest: done' "$out/job/console.log" || fail "the guest did not run to its end: $(cat "$out/outcome")"
grep -q '^guest: uid 65534' "$out/job/console.log" || fail "the guest is not the unprivileged user"
grep -q '^guest: TMPDIR usable' "$out/job/console.log" || fail "TMPDIR (UML's memory file) is not usable in the sandbox"
grep -E '^guest: (READ|WROTE|CHOWNED|CONNECTED)' "$out/job/console.log" && fail "the guest escaped its sandbox"
grep -q '^guest: could not connect' "$out/job/console.log" || fail "the guest did not try to connect"
[ ! -s "$out/connections" ] || fail "a connection reached the host: $(cat "$out/connections")"
[ ! -e "$out/escaped" ] && [ ! -e /escaped ] || fail "the guest wrote outside its directory"
echo "ok: the hostile guest read, wrote and reached nothing of the host"
