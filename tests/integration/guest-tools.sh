# The initramfs guest tools, built natively with `cc -static` as the lead builds them per arch:
# bm-timeout against coreutils' timeout semantics (exit codes, signals, -k, --foreground, the
# runner's nested form, process groups), bm-modprobe -n/-r/-v on a fake /lib/modules tree
# (BM_MODPROBE_ROOT). Real module loading needs a guest kernel and is not tried here.
# Also: an archive written by initramfs_write is listed the same by initramfs_list and the real
# `cpio -itv`, and extracts to the same bytes.
. tests/lib.sh
d=$(tmpdir)
cc=${CC:-cc}
warn="-std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wwrite-strings -Wimplicit-fallthrough -Werror"

printf 'int main(void) { return 0; }\n' >"$d/static.c"
$cc -static -o "$d/static" "$d/static.c" 2>"$d/static.err" ||
	fail "no static libc for '$cc -static' ('make deps' installs it: build-essential, libc6-dev): $(head -n 1 "$d/static.err")"
$cc -static -O2 $warn -o "$d/timeout" images/initramfs/bm-timeout.c || fail "bm-timeout does not build"
$cc -static -O2 $warn -o "$d/modprobe" images/initramfs/bm-modprobe.c || fail "bm-modprobe does not build"
T=$d/timeout M=$d/modprobe

ms() { echo $(($(date +%s%N) / 1000000)); }
# expect WANT_RC MAX_MS COMMAND...: the exit status, and that it took at most MAX_MS.
expect() {
	want=$1 max=$2
	shift 2
	start=$(ms)
	"$@"
	rc=$?
	took=$(($(ms) - start))
	[ "$rc" = "$want" ] || fail "$*: exit $rc, want $want"
	[ "$took" -le "$max" ] || fail "$*: took ${took}ms, want at most ${max}ms"
	echo "ok: $* -> $rc (${took}ms)"
}
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

# Exit codes as coreutils: the command's own, 124 on timeout, 137 when KILL ended it, 128+N for
# a signal, 125 for timeout's own errors, 126 cannot run, 127 not found.
expect 0 2000 "$T" 5 true
expect 1 2000 "$T" 5 false
expect 3 2000 "$T" 5 sh -c 'exit 3'
expect 0 2000 "$T" 0 true
expect 0 2000 "$T" 1m true
expect 0 2000 "$T" 0.01h sleep 0.1
expect 124 2000 "$T" 0.3 sleep 10
expect 124 2000 "$T" 0.3s sleep 10
expect 124 2000 "$T" -s INT 0.3 sleep 10
expect 124 2000 "$T" --signal=HUP 0.3 sleep 10
expect 137 2000 "$T" -s KILL 0.3 sleep 10
expect 143 2000 "$T" --preserve-status 0.3 sleep 10
expect 138 2000 "$T" 5 sh -c 'kill -USR1 $$'
# TERM ignored: -k's KILL follows.
expect 137 2500 "$T" -k 0.3 0.3 sh -c 'trap "" TERM; sleep 10'
expect 137 2500 "$T" --foreground --kill-after=0.3 0.3 sh -c 'trap "" TERM; exec sleep 10'
expect 127 2000 "$T" 5 /nonexistent/command
expect 126 2000 "$T" 5 /etc/passwd
expect 125 2000 "$T"
expect 125 2000 "$T" 5
expect 125 2000 "$T" 5x true
expect 125 2000 "$T" -s NOSUCH 5 true
expect 125 2000 "$T" --no-such-option 5 true
# Options after DURATION belong to the command.
out=$("$T" 5 echo -k 1) && [ "$out" = "-k 1" ] || fail "command options taken by timeout: '$out'"
out=$(echo piped | "$T" 5 cat) && [ "$out" = piped ] || fail "stdin not passed: '$out'"

# The kernel runner's form (tools/testing/selftests/kselftest/runner.sh, tap_timeout):
# timeout --foreground T timeout T CMD. The inner one's group takes the test's children along.
expect 124 3000 "$T" --foreground 0.5 "$T" 0.5 sh -c 'sleep 30 & echo $! >"$0"; wait' "$d/pid"
sleep 0.3
alive "$(cat "$d/pid")" && fail "a child of the timed-out test survived"
echo "ok: the runner's nested form ends the test's children"

# --foreground: the command stays in the caller's process group and only it is signalled;
# without it, timeout leads a group of its own.
mine=$(cut -d' ' -f5 /proc/$$/stat)
fg=$("$T" --foreground 5 sh -c 'cut -d" " -f5 /proc/$$/stat')
bg=$("$T" 5 sh -c 'cut -d" " -f5 /proc/$$/stat')
[ "$fg" = "$mine" ] || fail "--foreground: command in group $fg, want the caller's $mine"
[ "$bg" != "$mine" ] || fail "without --foreground the command stays in the caller's group $mine"
expect 124 2000 "$T" --foreground 0.3 sh -c 'sleep 30 & echo $! >"$0"; wait' "$d/pid"
p=$(cat "$d/pid")
alive "$p" || fail "--foreground also signalled the command's children"
kill "$p"
echo "ok: process groups with and without --foreground"

# A signal to timeout goes to the command.
"$T" 10 sleep 10 &
p=$!
sleep 0.3
start=$(ms)
kill -TERM "$p"
wait "$p"
rc=$?
[ "$rc" = 143 ] || fail "TERM to timeout: exit $rc, want 143"
[ $(($(ms) - start)) -lt 2000 ] || fail "TERM to timeout: the command went on"
echo "ok: TERM forwarded"

# bm-modprobe on a fake tree, as depmod writes it.
root=$d/root
md=$root/lib/modules/$(uname -r)
mkdir -p "$md/kernel/samples/rust" "$md/kernel/lib" "$md/kernel/drivers/foo" "$root/sys/module/rust_print"
for f in samples/rust/rust_minimal samples/rust/rust_print lib/dep1 lib/dep2 drivers/foo/foo-bar; do
	: >"$md/kernel/$f.ko"
done
: >"$root/sys/module/rust_print/initstate"
cat >"$md/modules.dep" <<'EOF'
kernel/samples/rust/rust_minimal.ko:
kernel/samples/rust/rust_print.ko:
kernel/drivers/foo/foo-bar.ko: kernel/lib/dep2.ko kernel/lib/dep1.ko
kernel/lib/dep2.ko: kernel/lib/dep1.ko
kernel/lib/dep1.ko:
kernel/gone/gone.ko:
EOF
echo kernel/drivers/tty/serial/serial_base.ko >"$md/modules.builtin"
export BM_MODPROBE_ROOT=$root

mp() { # mp WANT_RC WANT_STDERR(empty|nonempty) ARGS...
	want=$1 errs=$2
	shift 2
	"$M" "$@" >"$d/mp.out" 2>"$d/mp.err"
	rc=$?
	[ "$rc" = "$want" ] || fail "modprobe $*: exit $rc, want $want: $(cat "$d/mp.err")"
	if [ "$errs" = empty ]; then
		[ -s "$d/mp.err" ] && fail "modprobe $*: unexpected stderr: $(cat "$d/mp.err")"
	else
		[ -s "$d/mp.err" ] || fail "modprobe $*: no error message"
	fi
	echo "ok: modprobe $* -> $rc"
}
# What rust/test_probe_samples.sh asks.
mp 0 empty -n -q rust_minimal
mp 0 empty -n -q rust_print
mp 0 empty -n -q rust-minimal
mp 0 empty -nq foo_bar
mp 1 empty -n -q no_such_module
mp 1 nonempty -n no_such_module
grep -q "Module no_such_module not found in directory $md" "$d/mp.err" || fail "message: $(cat "$d/mp.err")"
mp 1 nonempty -n gone		# in modules.dep, file missing
mp 0 empty -n -q serial_base	# built in
mp 0 empty -n -r rust_print	# loaded (fake /sys/module)
mp 1 empty -n -q -r rust_minimal
mp 2 nonempty
mp 2 nonempty -r
mp 2 nonempty -r a b
mp 2 nonempty -x rust_minimal
# Dependencies first, each once, parameters to the named module only.
mp 0 empty -n -v foo-bar x=1 'y=a b'
printf 'insmod %s\n' "$md/kernel/lib/dep1.ko" "$md/kernel/lib/dep2.ko" >"$d/want"
printf 'insmod %s x=1 y=a b\n' "$md/kernel/drivers/foo/foo-bar.ko" >>"$d/want"
diff -u "$d/want" "$d/mp.out" || fail "load order"
mv "$md/modules.dep" "$md/modules.dep.off"
mp 1 nonempty -n rust_minimal
mp 1 empty -n -q rust_minimal
mv "$md/modules.dep.off" "$md/modules.dep"
unset BM_MODPROBE_ROOT

# initramfs_write through a small driver on build/libbm.a, listed by initramfs_list and by the
# real cpio.
lib=build/libbm.a
[ -f "$lib" ] || fail "$lib missing (make bootmatrix builds it)"
command -v cpio >/dev/null || skip "no cpio (Debian: cpio)"
cat >"$d/driver.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "initramfs.h"
#include "util.h"
/* driver list OUT TIMEOUT MODPROBE MODULES_TREE: an archive of every entry type, listed.
 * driver init OUT BUSYBOX BASH|- TIMEOUT MODPROBE KSELFTEST_TREE MODULES_TREE TARGET...: a
 * kselftest initramfs with the generated /init (-o 2). */
static int list(char **argv, struct bm_err **err)
{
	const struct initramfs_entry e[] = {
		{ .type = IR_FILE, .path = "/init", .content = "#!/bin/busybox sh\n", .mode = 0755 },
		{ .type = IR_FILE, .path = "/usr/bin/timeout", .source = argv[3] },
		{ .type = IR_FILE, .path = "/sbin/modprobe", .source = argv[4], .mode = 04755 },
		{ .type = IR_SYMLINK, .path = "/bin/sh", .source = "busybox" },
		{ .type = IR_CHARDEV, .path = "/dev/console", .major = 5, .minor = 1 },
		{ .type = IR_DIR, .path = "/proc", .mode = 0555 },
		{ .type = IR_TREE, .path = "/lib/modules", .source = argv[5] },
	};
	char **lines = NULL;

	if (initramfs_write(argv[2], e, sizeof(e) / sizeof(e[0]), err) < 0 ||
	    initramfs_list(argv[2], &lines, err) < 0)
		return -1;
	for (char **l = lines; *l; l++)
		puts(*l);
	strv_free(lines);
	return 0;
}

static int init(char **argv, struct bm_err **err)
{
	const struct initramfs_init_opts o = {
		.targets = argv + 9, .per_test_timeout = 2, .sentinel = "bootmatrix: kselftest done",
	};
	char *script = initramfs_init_script(&o);
	const struct initramfs_entry e[] = {
		{ .type = IR_FILE, .path = "/init", .content = script, .mode = 0755 },
		{ .type = IR_FILE, .path = "/bin/busybox", .source = argv[3] },
		{ .type = IR_FILE, .path = "/usr/bin/timeout", .source = argv[5] },
		{ .type = IR_FILE, .path = "/sbin/modprobe", .source = argv[6] },
		{ .type = IR_TREE, .path = "/kselftest", .source = argv[7] },
		{ .type = IR_TREE, .path = "/lib/modules", .source = argv[8] },
		{ .type = IR_CHARDEV, .path = "/dev/console", .major = 5, .minor = 1 },
		{ .type = IR_FILE, .path = "/bin/bash", .source = argv[4] },
	};
	size_t n = sizeof(e) / sizeof(e[0]) - (strcmp(argv[4], "-") == 0);
	int r = initramfs_write(argv[2], e, n, err);

	free(script);
	return r;
}

int main(int argc, char **argv)
{
	struct bm_err *err = NULL;
	int r;

	if (argc == 6 && strcmp(argv[1], "list") == 0)
		r = list(argv, &err);
	else if (argc >= 10 && strcmp(argv[1], "init") == 0)
		r = init(argv, &err);
	else
		r = bm_err_set(&err, BM_ERR_INPUT, "usage: see guest-tools.sh");
	if (r < 0)
		fprintf(stderr, "driver: %s\n", err->msg);
	return r < 0;
}
EOF
pkgs=$(sed -n 's/^PKGS := //p' Makefile)
# shellcheck disable=SC2086
$cc $warn -Iharness -o "$d/driver" "$d/driver.c" "$lib" $(pkg-config --libs $pkgs) -lpthread ||
	fail "the initramfs driver does not build"
"$d/driver" list "$d/initramfs.cpio" "$T" "$M" "$root/lib/modules" >"$d/list" || fail "driver failed"
cpio -itv --quiet <"$d/initramfs.cpio" >"$d/cpio" || fail "cpio -itv rejects the archive"
cat "$d/cpio"
# cpio -itv: "drwxr-xr-x 2 root root 0 Jan 1 1970 bin", devices "5, 1" in the size column.
awk '
function perm(s,   i, c, v) {
	v = 0
	for (i = 2; i <= 10; i++) {
		c = substr(s, i, 1)
		if (c != "-" && c != "S" && c != "T")
			v += 2 ^ (10 - i)
	}
	c = substr(s, 4, 1); if (c == "s" || c == "S") v += 2048
	c = substr(s, 7, 1); if (c == "s" || c == "S") v += 1024
	c = substr(s, 10, 1); if (c == "t" || c == "T") v += 512
	return v
}
{
	t = substr($1, 1, 1)
	type = t == "d" ? "dir" : t == "-" ? "file" : t == "l" ? "symlink" : t == "c" ? "chardev" : "other"
	if ($3 != "root" || $4 != "root") { print "bad owner: " $0; next }
	if (t == "c") { dev = $5 $6; sub(",", ":", dev); date = $7 " " $8 " " $9; name = $10; extra = " " dev }
	else { date = $6 " " $7 " " $8; name = $9; extra = ($10 == "->") ? " -> " $11 : "" }
	if (date != "Jan 1 1970") { print "bad mtime: " $0; next }
	printf "%s %04o /%s%s\n", type, perm($1), name, extra
}' "$d/cpio" >"$d/cpio.list"
diff -u "$d/cpio.list" "$d/list" || fail "initramfs_list and cpio -itv disagree"
echo "ok: cpio -itv and initramfs_list agree ($(wc -l <"$d/list") entries)"
grep -qx 'file 4755 /sbin/modprobe' "$d/list" || fail "setuid bit lost"
grep -qx 'chardev 0600 /dev/console 5:1' "$d/list" || fail "no /dev/console"

# The bytes: extract everything but the device node and compare with the sources.
mkdir "$d/x"
(cd "$d/x" && cpio -id --quiet --nonmatching 'dev/console' <../initramfs.cpio) || fail "cpio -id"
cmp "$T" "$d/x/usr/bin/timeout" || fail "/usr/bin/timeout differs"
cmp "$M" "$d/x/sbin/modprobe" || fail "/sbin/modprobe differs"
diff -r --no-dereference "$root/lib/modules" "$d/x/lib/modules" || fail "/lib/modules differs"
[ "$(readlink "$d/x/bin/sh")" = busybox ] || fail "/bin/sh is not a symlink to busybox"
printf '#!/bin/busybox sh\n' | cmp - "$d/x/init" || fail "/init differs"
# Byte-identical when written again.
"$d/driver" list "$d/again.cpio" "$T" "$M" "$root/lib/modules" >/dev/null || fail "driver failed"
cmp "$d/initramfs.cpio" "$d/again.cpio" || fail "the same input gave a different archive"
echo "ok: extracted bytes match; reproducible"

# The generated /init with the kernel's real run_kselftest.sh, busybox sh, bm-timeout and
# bm-modprobe, run in a chroot in private mount and PID namespaces: devtmpfs (one instance for
# the whole machine) becomes a tmpfs, debugfs is left alone, and poweroff only echoes.
# Needs root, unshare, the 6.12 tree and a static busybox (Debian busybox-static, or
# BM_BUSYBOX=path); the rust test also a static bash (bash-static, or BM_BASH_STATIC=path).
ks=${BM_KERNEL_SRC:-}/tools/testing/selftests
bb=${BM_BUSYBOX:-$(command -v busybox)}
bash=${BM_BASH_STATIC:-$(command -v bash-static)}
# What make deps-test installs is a failure when missing; root and the tree are not its to give.
e2e_missing() {
	if [ "$(id -u)" != 0 ]; then echo "not root"
	elif [ ! -f "$ks/kselftest/runner.sh" ]; then echo "no kernel tree (BM_KERNEL_SRC)"
	fi
}
need unshare util-linux
if [ -z "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
	fail "no static busybox: 'make deps-test' installs it (Debian package busybox-static)"
fi
e2e() {
	targets=demo
	[ -n "$bash" ] && ! ldd "$bash" >/dev/null 2>&1 ||
		fail "no static bash: 'make deps-test' installs it (Debian package bash-static)"
	targets="demo rust"
	k=$d/kselftest
	mkdir -p "$k/kselftest" "$k/demo" "$k/rust" "$d/mods/$(uname -r)"
	cp "$ks/run_kselftest.sh" "$k/"
	for f in runner.sh prefix.pl ktap_helpers.sh module.sh; do cp "$ks/kselftest/$f" "$k/kselftest/"; done
	cp "$ks/rust/test_probe_samples.sh" "$k/rust/"
	printf 'demo:pass.sh\ndemo:skip.sh\ndemo:fail.sh\ndemo:hang.sh\nrust:test_probe_samples.sh\n' \
		>"$k/kselftest-list.txt"
	printf '#!/bin/sh\necho "TAP version 13"\necho "1..1"\necho "ok 1 inner"\n' >"$k/demo/pass.sh"
	printf '#!/bin/sh\necho skipping\nexit 4\n' >"$k/demo/skip.sh"
	printf '#!/bin/sh\necho failing >&2\nexit 1\n' >"$k/demo/fail.sh"
	printf '#!/bin/sh\nsleep 30\n' >"$k/demo/hang.sh"
	echo timeout=60 >"$k/demo/settings"
	chmod 755 "$k/run_kselftest.sh" "$k"/demo/*.sh "$k/rust/test_probe_samples.sh"
	# The samples built in: found by -n, "loaded" without a module loader on the host.
	printf 'kernel/samples/rust/rust_minimal.ko\nkernel/samples/rust/rust_print.ko\n' \
		>"$d/mods/$(uname -r)/modules.builtin"
	: >"$d/mods/$(uname -r)/modules.dep"
	# shellcheck disable=SC2086
	"$d/driver" init "$d/guest.cpio" "$bb" "$bash" "$T" "$M" "$k" "$d/mods" $targets ||
		fail "driver init failed"
	g=$d/guest
	mkdir "$g"
	(cd "$g" && cpio -id --quiet --nonmatching 'dev/console' <../guest.cpio) || fail "cpio -id guest"
	sed -e 's|^mount -t devtmpfs devtmpfs /dev$|mount -t tmpfs tmpfs /dev; mknod -m 666 /dev/null c 1 3|' \
		-e '/^mount -t debugfs/d' -e 's/^poweroff -f$/echo would power off/' "$g/init" >"$g/init.test"
	grep -Eq '^(mount -t devtmpfs|mount -t debugfs|poweroff)' "$g/init.test" &&
		fail "init.test: $(cat "$g/init.test")"
	start=$(ms)
	# A pipe, as a console would be: /dev/stdout reopened on a file would overwrite.
	unshare -m -p -f --propagation private chroot "$g" /bin/busybox sh /init.test 2>&1 |
		cat >"$d/console"
	took=$(($(ms) - start))
	cat "$d/console"
	for want in '# overriding timeout to 2' 'ok 1 selftests: demo: pass.sh' '# ok 1 inner' \
		'ok 2 selftests: demo: skip.sh # SKIP' 'not ok 3 selftests: demo: fail.sh # exit=1' \
		'not ok 4 selftests: demo: hang.sh # TIMEOUT 2 seconds'; do
		grep -qxF "$want" "$d/console" || fail "guest console lacks '$want'"
	done
	if [ "$bash" != - ]; then
		grep -qxF 'ok 1 selftests: rust: test_probe_samples.sh' "$d/console" || fail "rust test"
	fi
	[ "$(tail -n 2 "$d/console")" = "bootmatrix: kselftest done
would power off" ] || fail "no sentinel before the poweroff"
	[ "$took" -lt 15000 ] || fail "the guest run took ${took}ms"
	echo "ok: /init ran the kernel's runner ($targets) in ${took}ms"
}
missing=$(e2e_missing)
if [ -n "$missing" ]; then
	echo "note: /init not run in a chroot: $missing"
else
	e2e
fi
rm -rf "$d"
