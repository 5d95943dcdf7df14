# harness/remote.c against a real OpenSSH server on 127.0.0.1: a generated host key, a generated
# user key, a generated known_hosts, sshd on a free port (killed on exit). Drives
# tests/integration/remote-driver.c (built here against build/libbm.a, or $BM_LIB) through
# connect, mkdtemp, a 20 MB upload checked with sha256sum on the host, quoting through the real
# remote shell, exec status/signal/timeout, following a growing file, rm -rf, and the refusals:
# unknown, changed and other-type host keys, a wrong user key, a server that stops answering
# mid-upload (the timeout applies), a server killed mid-upload, a server that never speaks, and
# Ctrl-C (SIGINT) ending a remote command and an upload stuck on a stopped server at once.
. tests/lib.sh
d=$(tmpdir)
d=$(cd "$d" && pwd)
. tests/ssh-lib.sh
need sha256sum coreutils
LIB=${BM_LIB:-build/libbm.a}
[ -f "$LIB" ] || fail "no $LIB (run make first)"
sshd_pid= feeder= listener=

cleanup() {
	[ -n "$feeder" ] && kill "$feeder" 2>/dev/null
	[ -n "$listener" ] && kill "$listener" 2>/dev/null
	if [ -n "$sshd_pid" ]; then
		for p in $(descendants "$sshd_pid"); do kill -9 "$p" 2>/dev/null; done
		kill "$sshd_pid" 2>/dev/null
		wait "$sshd_pid" 2>/dev/null
	fi
	rm -f "$d/big" "$d/fifo"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The driver, with the libraries the Makefile links (its PKGS line).
pkgs=$(sed -n 's/^PKGS := //p' Makefile)
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror ${DRIVER_CFLAGS:-} -Iharness \
	-o "$d/remote-driver" tests/integration/remote-driver.c "$LIB" \
	$(pkg-config --libs $pkgs) -lpthread || fail "building remote-driver"
drv="$d/remote-driver"
# With DRIVER_CFLAGS=-fsanitize=...: reports go to files, checked at the end (error paths too).
export ASAN_OPTIONS="log_path=$d/asan:detect_leaks=1" UBSAN_OPTIONS="log_path=$d/ubsan:print_stacktrace=1"

# Keys and config.
ssh_keys host host2 user other
ssh-keygen -q -t ecdsa -N '' -C bm-test-ecdsa -f "$d/host_ecdsa" || fail "ssh-keygen ecdsa"
cp "$d/user.pub" "$d/authorized_keys"
port=$(free_port)
sshd_start sshd "$port" "$d/host" "$d/authorized_keys"
sshd_pid=$sshd_started
hostline() { known_hosts_line "$port" "$1"; }
hostline "$d/host.pub" >"$d/known_hosts"
fingerprint() { ssh-keygen -lf "$1" | cut -d' ' -f2; }
fp=$(fingerprint "$d/host.pub")

R() { "$drv" -p "$port" -u root -k "$d/known_hosts" -i "$d/user" -t 5 127.0.0.1 "$@"; }

i=0
until R connect >"$d/out" 2>"$d/err"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "sshd never answered: $(cat "$d/err"); $(tail -n 5 "$d/sshd.log")"
	sleep 0.1
done
grep -q "connected to root@127.0.0.1:$port" "$d/out" || fail "connect: $(cat "$d/out")"
echo "connect: ok (sshd pid $sshd_pid, port $port, host key $fp)"

# URIs through the driver (the unit test covers the cases).
[ "$("$drv" x uri "qemu+ssh://root@127.0.0.1:$port/system?keyfile=$d/user")" = "root 127.0.0.1 $port" ] ||
	fail "uri"

# mkdtemp: a fresh 0711 directory, absolute, twice not the same.
mkdir "$d/remote"
dir=$(R mkdtemp "$d/remote/run") || fail "mkdtemp: $(cat "$d/err")"
dir2=$(R mkdtemp "$d/remote/run") || fail "mkdtemp 2"
case $dir in "$d/remote/run."??????) ;; *) fail "mkdtemp gave '$dir'" ;; esac
[ -d "$dir" ] && [ "$dir" != "$dir2" ] || fail "mkdtemp: '$dir' '$dir2'"
[ "$(stat -c %a "$dir")" = 711 ] || fail "mkdtemp: mode $(stat -c %a "$dir")"
echo "mkdtemp: $dir"

# Upload 20 MB, check it on the host with sha256sum through remote_exec; the mode is kept.
head -c 20971520 /dev/urandom >"$d/big"
chmod 640 "$d/big"
R upload "$d/big" "$dir/bzImage" 2>"$d/err" || fail "upload: $(cat "$d/err")"
echo "upload 20 MB: $(cat "$d/err")"
want=$(sha256sum "$d/big" | cut -d' ' -f1)
R exec sha256sum "$dir/bzImage" >"$d/out" 2>"$d/err" || fail "exec sha256sum: $(cat "$d/err")"
[ "$(sed -n 1p "$d/out")" = "status 0" ] || fail "sha256sum: $(cat "$d/out")"
got=$(sed -n 2p "$d/out" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "sha256 on the host $got, want $want"
R exec stat -c %a "$dir/bzImage" >"$d/out" || fail "exec stat"
[ "$(sed -n 2p "$d/out")" = 640 ] || fail "mode on the host: $(cat "$d/out")"
echo "sha256 on the host: $got (mode 640 kept)"
# An existing file is replaced, executable bits kept.
printf '#!/bin/sh\necho hello from the host\n' >"$d/small"
chmod 755 "$d/small"
R upload "$d/small" "$dir/bzImage" 2>/dev/null || fail "upload over"
R exec "$dir/bzImage" >"$d/out" || fail "exec uploaded"
[ "$(cat "$d/out")" = "status 0
hello from the host" ] || fail "replaced upload: $(cat "$d/out")"
R upload "$d/nonexistent" "$dir/x" 2>"$d/err" && fail "upload of a missing file succeeded"
grep -q "system: opening '$d/nonexistent': No such file" "$d/err" || fail "missing local: $(cat "$d/err")"
R upload "$d/small" "$d/remote/no/such/dir/x" 2>"$d/err" && fail "upload into a missing dir succeeded"
grep -q "system: uploading '$d/small': creating '$d/remote/no/such/dir/x' on 'root@127.0.0.1:$port': no such file" "$d/err" ||
	fail "missing remote dir: $(cat "$d/err")"

# Quoting through the real remote shell: every word comes back as it went.
R exec printf '[%s]\n' plain '' ' ' 'a b' "it's" "'" '"' '$HOME' '`id`' '$(id)' '\' '*' '~' \
	'-n' '=ls' 'a=b' 'x;y' 'a|b' 'a&b' '>x' '{a,b}' '!x' '#c' "$(printf 'l1\nl2')" >"$d/out" ||
	fail "exec printf"
cat >"$d/want" <<'EOF'
status 0
[plain]
[]
[ ]
[a b]
[it's]
[']
["]
[$HOME]
[`id`]
[$(id)]
[\]
[*]
[~]
[-n]
[=ls]
[a=b]
[x;y]
[a|b]
[a&b]
[>x]
[{a,b}]
[!x]
[#c]
[l1
l2]
EOF
cmp -s "$d/out" "$d/want" || { diff "$d/want" "$d/out"; fail "quoting through sshd"; }
[ ! -e "$HOME/x" ] && [ ! -e ./x ] || fail "a quoted '>x' created a file"
# A file name with a quote and a space, uploaded and read back.
R upload "$d/small" "$dir/it's a \$name" 2>/dev/null || fail "upload odd name"
R exec cat "$dir/it's a \$name" >"$d/out" || fail "exec cat odd name"
grep -q "hello from the host" "$d/out" || fail "odd name: $(cat "$d/out")"
echo "quoting: ok"

# Exit status, a signal, stderr, a missing command.
R exec sh -c 'echo out; echo err >&2; exit 3' >"$d/out" || fail "exec exit 3"
[ "$(sed -n 1p "$d/out")" = "status 3" ] && grep -q '^out$' "$d/out" && grep -q '^err$' "$d/out" ||
	fail "exit 3: $(cat "$d/out")"
R exec sh -c 'kill -TERM $$' >"$d/out" || fail "exec kill"
[ "$(sed -n 1p "$d/out")" = "status 143" ] || fail "signal: $(cat "$d/out")"
R exec no-such-command-bm >"$d/out" || fail "exec missing"
[ "$(sed -n 1p "$d/out")" = "status 127" ] || fail "missing command: $(cat "$d/out")"
# A deadline: an error after about a second, and the remote command dies with its children (root
# sessions ignore the SSH "signal" request; timeout(1) on the host does it).
t0=$(date +%s)
R exec -T 1 sh -c 'sleep 37.5 & sleep 37.25' >"$d/out" 2>"$d/err" && fail "exec -T 1 sleep succeeded"
t1=$(date +%s)
grep -q "infra: 'sh' on 'root@127.0.0.1:$port' timed out after 1 s" "$d/err" || fail "timeout: $(cat "$d/err")"
[ $((t1 - t0)) -le 4 ] || fail "exec timeout took $((t1 - t0)) s"
i=0
while pgrep -fx 'sleep 37.(5|25)' >/dev/null; do
	i=$((i + 1))
	[ $i -lt 40 ] || fail "the remote sleeps outlived their deadline: $(pgrep -afx 'sleep 37.(5|25)')"
	sleep 0.1
done
echo "exec: status, signal 143, 127, deadline ok"

# Following a growing file: everything read, in order, nothing twice.
: >"$dir/console.log"
(
	n=0
	while [ $n -lt 30 ]; do
		printf 'line %d of the console, no newline yet...' $n
		sleep 0.02
		printf ' done\n'
		n=$((n + 1))
		sleep 0.03
	done
	echo END
) >>"$dir/console.log" &
writer=$!
R follow "$dir/console.log" END 20 >"$d/followed" 2>"$d/err" || fail "follow: $(cat "$d/err")"
wait $writer
cmp -s "$d/followed" "$dir/console.log" || fail "follow: what was read differs from the file"
echo "follow: $(wc -l <"$d/followed") lines, $(cat "$d/err")"
R read "$dir/console.log" 10 >"$d/out" || fail "read at 10"
tail -c +11 "$dir/console.log" | cmp -s - "$d/out" || fail "read at offset 10"
R read "$dir/console.log" 999999 >"$d/out" || fail "read past the end"
[ ! -s "$d/out" ] || fail "read past the end gave bytes"
R read "$dir/nothing" 0 2>"$d/err" && fail "read of a missing file succeeded"
grep -q "no such file" "$d/err" || fail "read missing: $(cat "$d/err")"

# rm -rf: nested directories and a symbolic link (removed, not followed).
mkdir -p "$dir/a/b/c"
echo keep >"$d/outside"
ln -s "$d/outside" "$dir/a/b/link"
ln -s "$d" "$dir/a/dirlink"
echo x >"$dir/a/b/c/f"
R rmrf "$dir" 2>"$d/err" || fail "rmrf: $(cat "$d/err")"
[ ! -e "$dir" ] || fail "rmrf left '$dir'"
[ "$(cat "$d/outside")" = keep ] && [ -f "$d/big" ] || fail "rmrf followed a symbolic link"
R rmrf "$dir" || fail "rmrf of a missing directory"
R rmrf "$dir2/" || fail "rmrf with a slash"
[ ! -e "$dir2" ] || fail "rmrf left '$dir2'"
R rmrf / 2>"$d/err" && fail "rmrf / succeeded"
grep -q "input: refusing to remove '/'" "$d/err" || fail "rmrf /: $(cat "$d/err")"
R rmrf // 2>/dev/null && fail "rmrf // succeeded"
echo "rmrf: ok"

# Host keys: unknown (empty known_hosts), changed, of another type; never connected.
: >"$d/kh_empty"
"$drv" -p "$port" -u root -k "$d/kh_empty" -i "$d/user" 127.0.0.1 connect 2>"$d/err" &&
	fail "an unknown host key was accepted"
grep -q "input: unknown host key of 'root@127.0.0.1:$port': ssh-ed25519 $fp is not in '$d/kh_empty'" "$d/err" ||
	fail "unknown key: $(cat "$d/err")"
echo "unknown host key: $(cat "$d/err")"
"$drv" -p "$port" -u root -k "$d/kh_missing" -i "$d/user" 127.0.0.1 connect 2>"$d/err" &&
	fail "a missing known_hosts was accepted"
grep -q "unknown host key of .*$fp" "$d/err" || fail "missing known_hosts: $(cat "$d/err")"
hostline "$d/host2.pub" >"$d/kh_changed"
"$drv" -p "$port" -u root -k "$d/kh_changed" -i "$d/user" 127.0.0.1 connect 2>"$d/err" &&
	fail "a changed host key was accepted"
grep -q "input: host key of 'root@127.0.0.1:$port' has changed: the server offers ssh-ed25519 $fp, not the key in '$d/kh_changed'" "$d/err" ||
	fail "changed key: $(cat "$d/err")"
echo "changed host key: $(cat "$d/err")"
hostline "$d/host_ecdsa.pub" >"$d/kh_other"
"$drv" -p "$port" -u root -k "$d/kh_other" -i "$d/user" 127.0.0.1 connect 2>"$d/err" &&
	fail "a host key of another type was accepted"
grep -q "input: host key of 'root@127.0.0.1:$port' has changed: .*$fp.*another type" "$d/err" ||
	fail "other type: $(cat "$d/err")"
# The same key under another port is unknown too.
echo "127.0.0.1 $(cut -d' ' -f1,2 "$d/host.pub")" >"$d/kh_port22"
"$drv" -p "$port" -u root -k "$d/kh_port22" -i "$d/user" 127.0.0.1 connect 2>/dev/null &&
	fail "a key known for port 22 was accepted on port $port"

# User keys: a key the server does not know, a missing key file, a user without the key.
"$drv" -p "$port" -u root -k "$d/known_hosts" -i "$d/other" 127.0.0.1 connect 2>"$d/err" &&
	fail "a wrong user key was accepted"
grep -q "input: 'root@127.0.0.1:$port' refused the key '$d/other'" "$d/err" || fail "wrong key: $(cat "$d/err")"
echo "wrong user key: $(cat "$d/err")"
"$drv" -p "$port" -u root -k "$d/known_hosts" -i "$d/missing" 127.0.0.1 connect 2>"$d/err" &&
	fail "a missing key file was accepted"
grep -q "system: reading the private key '$d/missing'" "$d/err" || fail "missing key: $(cat "$d/err")"
"$drv" -p "$port" -u nobody -k "$d/known_hosts" -i "$d/user" 127.0.0.1 connect 2>"$d/err" &&
	fail "user nobody was let in"
grep -q "refused the key" "$d/err" || fail "nobody: $(cat "$d/err")"
# No key given, none in the agent or ~/.ssh: refused, no prompt.
SSH_AUTH_SOCK= HOME="$d/emptyhome" "$drv" -p "$port" -u root -k "$d/known_hosts" 127.0.0.1 connect \
	</dev/null 2>"$d/err" && fail "no key at all was accepted"
grep -q "refused the keys of ssh-agent" "$d/err" || fail "no key: $(cat "$d/err")"

# A server that never speaks SSH: the connect timeout applies.
lport=$(free_port)
$PY -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("up", flush=True)
c, _ = s.accept(); time.sleep(20)' "$lport" >"$d/listener.out" &
listener=$!
i=0
until grep -qs up "$d/listener.out"; do i=$((i + 1)); [ $i -lt 100 ] || fail "listener"; sleep 0.1; done
t0=$(date +%s)
"$drv" -p "$lport" -k "$d/known_hosts" -i "$d/user" -t 2 127.0.0.1 connect 2>"$d/err" &&
	fail "connected to a silent server"
t1=$(date +%s)
[ $((t1 - t0)) -le 6 ] || fail "silent server: took $((t1 - t0)) s with a 2 s timeout"
grep -q "infra: connecting to 'root@127.0.0.1:$lport'" "$d/err" || fail "silent: $(cat "$d/err")"
echo "silent server: $((t1 - t0)) s: $(cat "$d/err")"
kill $listener 2>/dev/null
listener=

# Mid-upload faults. The source is a FIFO fed slowly, so the upload is still running when the
# server's session processes are stopped (it must give up after the 3 s timeout) or killed.
upload_then() {
	sig=$1
	mkfifo "$d/fifo"
	(i=0; while [ $i -lt 400 ]; do head -c 32768 /dev/zero || exit 0; sleep 0.05; i=$((i + 1)); done) >"$d/fifo" &
	feeder=$!
	"$drv" -p "$port" -u root -k "$d/known_hosts" -i "$d/user" -t 3 127.0.0.1 upload "$d/fifo" "$d/remote/partial.$sig" \
		2>"$d/upload.$sig.err" &
	up=$!
	i=0
	until [ -s "$d/remote/partial.$sig" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "$sig: the upload never started: $(cat "$d/upload.$sig.err")"
		sleep 0.1
	done
	sessions=$(descendants "$sshd_pid")
	[ -n "$sessions" ] || fail "$sig: no session process under sshd"
	t0=$(date +%s)
	kill -"$sig" $sessions
	i=0
	while kill -0 $up 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || { kill -9 $up; fail "$sig: the upload hangs 20 s after the server stopped"; }
		sleep 0.1
	done
	wait $up && fail "$sig: the upload succeeded"
	t1=$(date +%s)
	kill -9 $sessions 2>/dev/null
	kill $feeder 2>/dev/null
	wait $feeder 2>/dev/null
	feeder=
	rm -f "$d/fifo"
	echo "$sig mid-upload: error after $((t1 - t0)) s: $(cat "$d/upload.$sig.err")"
	grep -q "infra: uploading '$d/fifo': writing '$d/remote/partial.$sig' at byte [0-9]* on 'root@127.0.0.1:$port'" "$d/upload.$sig.err" ||
		fail "$sig: $(cat "$d/upload.$sig.err")"
	elapsed=$((t1 - t0))
}
upload_then STOP
[ $elapsed -ge 2 ] && [ $elapsed -le 8 ] || fail "STOP: gave up after $elapsed s, want about 3"
upload_then KILL
[ $elapsed -le 4 ] || fail "KILL: gave up after $elapsed s"

# Ctrl-C (SIGINT: proc_interrupt) does not wait for the timeout: a remote command with a 6 s
# deadline, and an upload stuck in libssh on a stopped server with a 30 s timeout, both end
# within a second or so with "interrupted". The remote command itself lives on until its
# deadline (root sessions ignore SSH's signal request; timeout(1) on the host ends it).
ms() { echo $(($(date +%s%N) / 1000000)); }
interrupt_after() { # PID: SIGINT to it once it has run a second, then how long it took to end
	sleep 1
	t0=$(ms)
	kill -INT "$1"
	wait "$1" && fail "interrupted, the driver still succeeded"
	took=$(($(ms) - t0))
}
"$drv" -p "$port" -u root -k "$d/known_hosts" -i "$d/user" -t 5 127.0.0.1 exec -T 6 sleep 38.75 \
	>"$d/out" 2>"$d/int.err" &
interrupt_after $!
grep -q "system: .*'sleep' on 'root@127.0.0.1:$port': interrupted" "$d/int.err" ||
	fail "exec interrupted: $(cat "$d/int.err")"
[ $took -le 1500 ] || fail "the interrupted exec took $took ms to end"
echo "exec interrupted: ended in $took ms"
i=0
while pgrep -fx 'sleep 38.75' >/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the interrupted remote command outlived its deadline"
	sleep 0.1
done
mkfifo "$d/fifo"
(i=0; while [ $i -lt 400 ]; do head -c 32768 /dev/zero || exit 0; sleep 0.05; i=$((i + 1)); done) >"$d/fifo" &
feeder=$!
"$drv" -p "$port" -u root -k "$d/known_hosts" -i "$d/user" -t 30 127.0.0.1 upload "$d/fifo" "$d/remote/partial.int" \
	2>"$d/upload.int.err" &
up=$!
i=0
until [ -s "$d/remote/partial.int" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "interrupt: the upload never started: $(cat "$d/upload.int.err")"
	sleep 0.1
done
sessions=$(descendants "$sshd_pid")
kill -STOP $sessions
interrupt_after $up
kill -9 $sessions 2>/dev/null
kill $feeder 2>/dev/null
wait $feeder 2>/dev/null
feeder=
rm -f "$d/fifo"
grep -q "system: uploading .*: interrupted" "$d/upload.int.err" ||
	fail "upload interrupted: $(cat "$d/upload.int.err")"
[ $took -le 1500 ] || fail "the interrupted upload took $took ms to end (timeout 30 s)"
echo "upload to a stopped server interrupted: ended in $took ms: $(cat "$d/upload.int.err")"

# sshd itself gone: refused at once.
for p in $(descendants "$sshd_pid"); do kill -9 "$p" 2>/dev/null; done
kill "$sshd_pid"
wait "$sshd_pid" 2>/dev/null
sshd_pid=
R connect 2>"$d/err" && fail "connected with sshd gone"
grep -q "infra: connecting to 'root@127.0.0.1:$port'" "$d/err" || fail "no sshd: $(cat "$d/err")"
echo "no sshd: $(cat "$d/err")"
for f in "$d"/asan.* "$d"/ubsan.*; do
	[ -e "$f" ] && { cat "$f"; fail "sanitizer report $f"; }
done
echo "remote-ssh: all passed"
