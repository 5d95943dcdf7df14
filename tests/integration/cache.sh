# `bootmatrix cache`: listing with sizes and last use, pruning by age (builds, sources, bisect
# worktrees, compiler caches go; toolchain roots stay, and so does what a run holds), --dry-run, bad arguments. On
# a cache made here with known ages, then on the real cache: the boot tests' runs marked their
# build, source and toolchain as used.
. tests/lib.sh
d=$(tmpdir)
d=$(cd "$d" && pwd)
c=$d/cache
old=$(date -d '40 days ago' '+%Y%m%d%H%M')
mk() { # mk KIND/NAME KIB [STAMP-TIME]: a directory holding KIB KiB, used at STAMP-TIME
	mkdir -p "$c/$1/sub"
	head -c $(($2 * 1024)) /dev/urandom >"$c/$1/sub/data"
	[ -z "${3:-}" ] || touch -t "$3" "$c/$1/.bm-used"
}
mk builds/x86_64-old 1024 "$old"
mk builds/x86_64-new 2048 "$(date '+%Y%m%d%H%M')"
mk sources/linux-unstamped 512	# no stamp: made just now, so used just now
touch -t "$old" "$c/sources/linux-unstamped"	# an extracted tree's old mtime does not count
mk toolchains/trixie 256 "$old"
mk bisect/0123456789ab 128 "$old"
mk ccache/old-tc 64 "$old"

export BOOTMATRIX_CACHE=$c
$BM cache >"$d/list" || fail "cache exited $?"
cat "$d/list"
[ "$(grep -c 'days ago' "$d/list")" = 6 ] || fail "not 6 entries"
grep -Eq '^build +1\.0 MiB  used  40\.0 days ago  x86_64-old$' "$d/list" || fail "old build line"
grep -Eq '^build +2\.0 MiB  used   0\.0 days ago  x86_64-new$' "$d/list" || fail "new build line"
grep -Eq '^source +.*used   0\.0 days ago  linux-unstamped$' "$d/list" || fail "unstamped source line"
grep -Eq '^ccache +[67][0-9]\.0 KiB  used  40\.0 days ago  old-tc  bound: 4G$' "$d/list" || fail "compiler cache line"
BOOTMATRIX_CCACHE_SIZE=500M $BM cache | grep -q 'old-tc  bound: 500M$' || fail "the bound is not BOOTMATRIX_CCACHE_SIZE"
tail -n 1 "$d/list" | grep -Eq "^(3\.9|4\.0) MiB in $c\$" || fail "total: $(tail -n 1 "$d/list")"

$BM cache --prune 30 --dry-run >"$d/dry" || fail "dry run exited $?"
[ "$(grep -c '(would remove)' "$d/dry")" = 3 ] || fail "dry run: $(cat "$d/dry")"
grep -q 'x86_64-old  (would remove)' "$d/dry" && grep -q '0123456789ab  (would remove)' "$d/dry" ||
	fail "dry run: $(cat "$d/dry")"
[ -d "$c/builds/x86_64-old" ] && [ -d "$c/bisect/0123456789ab" ] || fail "the dry run removed something"

$BM cache --prune 30 >"$d/prune" || fail "prune exited $?"
cat "$d/prune"
[ ! -e "$c/builds/x86_64-old" ] && [ ! -e "$c/bisect/0123456789ab" ] && [ ! -e "$c/ccache/old-tc" ] ||
	fail "not removed"
[ -d "$c/builds/x86_64-new" ] && [ -d "$c/sources/linux-unstamped" ] && [ -d "$c/toolchains/trixie" ] ||
	fail "removed what was used or a toolchain"
tail -n 1 "$d/prune" | grep -q '^freed 1\.2 MiB, ' || fail "freed: $(tail -n 1 "$d/prune")"

# What a running bootmatrix holds (its lock, taken shared as a run does while it builds or boots)
# stays; once let go, the next prune removes it and its lock file.
mk builds/x86_64-busy 64 "$old"
/usr/bin/python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_SH); time.sleep(120)' "$c/builds/x86_64-busy.lock" &
holder=$!
i=0
while flock -n -x "$c/builds/x86_64-busy.lock" true; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the holder did not take the lock"
	sleep 0.1
done
$BM cache --prune 30 --dry-run >"$d/busy-dry" || fail "dry run with a busy entry exited $?"
grep -q 'x86_64-busy  in use by a run: would keep$' "$d/busy-dry" || fail "busy dry run: $(cat "$d/busy-dry")"
$BM cache --prune 30 >"$d/busy" || fail "prune with a busy entry exited $?"
grep -q 'x86_64-busy  in use by a run: kept$' "$d/busy" || fail "busy: $(cat "$d/busy")"
[ -d "$c/builds/x86_64-busy" ] || fail "prune removed what a run holds"
kill $holder
wait $holder 2>/dev/null
$BM cache --prune 30 >"$d/free" || fail "prune after the holder exited $?"
grep -q 'x86_64-busy  removed$' "$d/free" || fail "free: $(cat "$d/free")"
[ ! -e "$c/builds/x86_64-busy" ] && [ ! -e "$c/builds/x86_64-busy.lock" ] || fail "not removed with its lock"

for bad in "--dry-run" "--prune x" "--prune -1" "extra"; do
	$BM cache $bad >/dev/null 2>"$d/err"; rc=$?
	[ $rc = 2 ] || fail "'cache $bad' exited $rc, want 2"
	[ "$(wc -l <"$d/err")" = 1 ] || fail "'cache $bad': $(cat "$d/err")"
done
BOOTMATRIX_CACHE=$d/none $BM cache >"$d/none.out" || fail "a missing cache is an error"
grep -q "^0 B in $d/none\$" "$d/none.out" || fail "missing cache: $(cat "$d/none.out")"

# The real cache: a run uses (and so stamps) the default plan's x86_64 build; if that build is
# there, a quick run of it (kernel reused) must leave a fresh stamp.
unset BOOTMATRIX_CACHE
real=${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix
set -- "$real"/builds/x86_64-trixie-linux-source-6.12-rust-kunit-*
if [ -d "$1" ] && [ "$(id -u)" = 0 ]; then
	touch -t "$old" "$1/.bm-used"
	$BM run --quiet --arch x86_64 --results "$d/res" tests/data/plans/lts.yaml >/dev/null
	[ $? -le 1 ] || fail "the run on the real cache failed"
	[ -n "$(find "$1/.bm-used" -newermt '-1 hour')" ] || fail "the run did not stamp $1"
	$BM cache >"$d/real" || fail "cache on the real cache exited $?"
	grep -Eq "^build .*used +0\.0 days ago  $(basename "$1")\$" "$d/real" || fail "real build line"
	echo "real cache: $(tail -n 1 "$d/real"); $(basename "$1") stamped by the run"
else
	echo "no x86_64 build in the real cache (the boot tests did not run): not checked"
fi
echo "ok"
