# Sourced by the tests that need a real OpenSSH server on 127.0.0.1 (remote-ssh.sh,
# remote-boot.sh): generated host and user keys, sshd processes on free ports, and killing them
# with every session process below them. Needs $d (the test's absolute directory), tests/lib.sh
# sourced, and root (sshd runs as root with a generated config).
[ "$(id -u)" = 0 ] || skip "needs root (sshd runs as root with a generated config)"
need /usr/sbin/sshd openssh-server
need ssh-keygen openssh-client
# procps is not one of make deps' packages (Debian installs it by default)
command -v pgrep >/dev/null || skip "pgrep is not installed (Debian package procps)"
PY=/usr/bin/python3
need $PY python3

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# All processes below pid (the per-connection sshd children and what they run).
descendants() {
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# Kill sshd pid and every session under it at once (a host that drops off the network).
sshd_kill() {
	for p in $(descendants "$1"); do kill -9 "$p" 2>/dev/null; done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# ssh_keys NAME...: ed25519 key pairs $d/NAME and $d/NAME.pub.
ssh_keys() {
	for k in "$@"; do
		ssh-keygen -q -t ed25519 -N '' -C "bm-test-$k" -f "$d/$k" || fail "ssh-keygen $k"
	done
}

# sshd_start NAME PORT HOSTKEY AUTHORIZED_KEYS: sshd on 127.0.0.1:PORT in the background, its
# config $d/NAME.config and log $d/NAME.log; its pid in $sshd_started.
sshd_start() {
	cat >"$d/$1.config" <<EOF
ListenAddress 127.0.0.1
HostKey $3
PidFile $d/$1.pid
AuthorizedKeysFile $4
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
	mkdir -p /run/sshd	# sshd's privilege separation directory
	/usr/sbin/sshd -D -f "$d/$1.config" -p "$2" -E "$d/$1.log" &
	sshd_started=$!
}

# known_hosts_line PORT HOSTKEY.pub: the line OpenSSH keeps for [127.0.0.1]:PORT.
known_hosts_line() { echo "[127.0.0.1]:$1 $(cut -d' ' -f1,2 "$2")"; }
