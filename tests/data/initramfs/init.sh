#!/bin/busybox sh
# bootmatrix guest /init (generated): run the kselftests, print the sentinel, power off.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ TERM=dumb
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# The runner appends each test's output to /dev/stdout, which devtmpfs lacks.
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
if cd /kselftest; then
	./run_kselftest.sh -o 120 -c rust
	./run_kselftest.sh -o 120 -c size
	cd /
fi
printf '%s\n' 'bootmatrix: kselftest done'
sync
poweroff -f
