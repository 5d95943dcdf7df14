# Shared by the HTTP tests (sourced after tests/lib.sh, with $out set): no proxy between us and
# loopback, the test driver linked against libbm.a ($drv), and start_server.
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

pkgs=$(sed -n 's/^PKGS := //p' Makefile)
san=$(grep -o -- '-fsanitize=[^ ]*' "$B/.flags" 2>/dev/null | head -n 1)
# shellcheck disable=SC2046,SC2086
$CC -std=gnu11 -Iharness $san -o "$out/http-driver" tests/integration/http-driver.c "$B/libbm.a" \
	$(pkg-config --libs $pkgs) -lpthread || fail "cannot build the test driver"
drv=$out/http-driver

pids=
trap 'kill $pids 2>/dev/null' EXIT
# start_server NAME ARGS...: tests/http_server.py logging to $out/NAME.log; sets $port.
start_server() {
	name=$1
	shift
	/usr/bin/python3 tests/http_server.py --port-file "$out/$name.port" --log "$out/$name.log" "$@" &
	pids="$pids $!"
	i=0
	while [ ! -s "$out/$name.port" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "the $name server did not start"
		sleep 0.1
	done
	port=$(cat "$out/$name.port")
}
