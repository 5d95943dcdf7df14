# A git repository made from Debian's 6.12 source (its first commit), then branches of 16 small
# commits each (every edit writes a new file, never through the hard links to the cache's tree):
# "clean", where commit 11 breaks the KUnit case list_test_list_add, and others made on demand
# with some commits that do not build. Kept in the cache (made once, ≈1.5 min).
. tests/lib.sh
need_root
[ -n "${BM_KERNEL_SRC:-}" ] || skip "no extracted kernel source in the cache (make check makes it)"
cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
REPO=$cache/test-repos/linux-bisect-v1
g() { git -C "$REPO" -c user.name=bootmatrix -c user.email=bootmatrix@localhost "$@"; }
# make_branch NAME [FIRST LAST]: 16 commits on base; commit 11 breaks list_test_list_add; commits
# FIRST..LAST (if given) do not build (an unrelated file).
make_branch() {
	g rev-parse -q --verify "refs/heads/$1" >/dev/null && return 0
	g checkout -q -B "$1" base || fail "checkout"
	i=1
	while [ $i -le 16 ]; do
		echo "change $i" >>"$REPO/Documentation/bootmatrix-bisect.txt"
		msg="docs: bisect test change $i"
		if [ $i -eq 11 ]; then
			sed -i '/^static void list_test_list_add(/,/^}/ s|KUNIT_EXPECT_PTR_EQ(test, list.next, &b);|KUNIT_EXPECT_PTR_EQ(test, list.next, \&a);|' \
				"$REPO/lib/list-test.c"
			msg="list: break list_test_list_add (the planted regression)"
		fi
		if [ -n "${2:-}" ] && [ $i -eq "$2" ]; then
			# sed -i writes a new file: appending (>>) would write through the hard link
			# into the cache's source tree.
			sed -i '$a #error "bisect test: this commit does not build"' "$REPO/init/calibrate.c"
			msg="init: break the build (commits $2-$3)"
		fi
		if [ -n "${3:-}" ] && [ $i -eq $(($3 + 1)) ]; then
			sed -i '/bisect test: this commit does not build/d' "$REPO/init/calibrate.c"
			msg="init: fix the build again"
		fi
		g add -A && g commit -q -m "$msg" || fail "commit $i"
		i=$((i + 1))
	done
	g checkout -q base
}
if [ ! -f "$REPO/.made" ]; then
	rm -rf "$REPO"
	mkdir -p "$(dirname "$REPO")"
	cp -al "$BM_KERNEL_SRC" "$REPO" || fail "copy"
	# Debian's .gitignore ignores the whole top level (its packaging repository's view); sed -i
	# writes a new file, so the cache's tree keeps its own.
	sed -i '/^# Debian packaging/,$d' "$REPO/.gitignore"
	g init -q -b base && g -c core.compression=1 add -A >/dev/null && g commit -q -m "Linux 6.12 (Debian's linux-source)" || fail "git init"
	make_branch clean
	touch "$REPO/.made"
fi
CHECK=kunit:list-kunit-test.list_test_list_add
culprit() { g log --format=%H --grep='the planted regression' "$1" | head -n 1; }
# ceil(log2 16) + 1
MAX_BOOTS=5
