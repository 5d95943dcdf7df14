# Guests die with the bootmatrix that started them: kill -9 of `bootmatrix run` during a boot
# leaves no QEMU guest (libvirt's embedded driver) and no UML kernel running 15 s later. The
# test kills only bootmatrix, never what bootmatrix started (that is the reaper's job,
# harness/reaper.c); a leftover fails it.
. tests/lib.sh
need_root
# Processes of this run: QEMU guests are named bm-<run id>-<job>; UML kernels (and any other
# child) carry the run's results directory in their environment or command line.
leftovers() { # leftovers OUT RUN_ID
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "guest=bm-$2" ||
			tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -q "=$PWD/$1\|=$1"; then
			echo "${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" | head -c 150)"
		fi
	done
}
for arch in x86_64 um; do
	out=$(tmpdir)
	$BM run --arch $arch --results "$out" configs/default.yaml >"$out/log" 2>&1 &
	pid=$!
	wait_for $pid "$out/log" "a boot on $arch" '[ -n "$(find "$out" -name "console*.log" -size +0 2>/dev/null)" ]'
	sleep 0.2
	run=$(basename "$(ls -d "$out"/2*)")
	# the guest must be running when bootmatrix dies, or the test shows nothing
	[ -n "$(leftovers "$out" "$run")" ] || fail "$arch: no guest of the run was running at the kill: $(tail -n 3 "$out/log")"
	kill -9 $pid
	wait $pid 2>/dev/null
	sleep 15
	left=$(leftovers "$out" "$run")
	[ -z "$left" ] || fail "$arch: still running 15 s after kill -9 of bootmatrix: $left"
	echo "ok: $arch: nothing of run $run left 15 s after kill -9 during a boot"
done
