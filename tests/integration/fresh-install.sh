# A newcomer's first contact, on a truly fresh Debian 12: a debootstrap minbase root (made once,
# kept pristine in the cache, copied anew for every run), the tracked files of this tree copied
# in, `make` installed and nothing else; then, inside the root: `make deps` (what running needs),
# the build, `bootmatrix --help`, `make deps-test` (what the tests add) and the unit tests.
# A package missing from scripts/install-deps fails here, whatever this machine happens to carry.
. tests/lib.sh
need_root
for t in debootstrap bwrap git; do
	command -v $t >/dev/null || fail "$t is missing: make deps installs it"
done
cache=${BOOTMATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bootmatrix}
fresh=$cache/fresh
pristine=$fresh/pristine
root=$fresh/root
mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' | awk '$2 == "bookworm" { print $1; exit }')
[ -n "$mirror" ] || fail "no bookworm mirror in the host's apt configuration"

mkdir -p "$fresh/archives/partial"
if [ ! -f "$pristine/.bm-complete" ]; then
	rm -rf "$pristine.tmp"
	echo "debootstrap --variant=minbase bookworm from $mirror"
	debootstrap --variant=minbase bookworm "$pristine.tmp" "$mirror" >"$fresh/debootstrap.log" 2>&1 ||
		fail "debootstrap failed: $(tail -n 3 "$fresh/debootstrap.log")"
	# As in any container image: packages' maintainer scripts start no services in the root.
	printf '#!/bin/sh\nexit 101\n' >"$pristine.tmp/usr/sbin/policy-rc.d"
	chmod 755 "$pristine.tmp/usr/sbin/policy-rc.d"
	touch "$pristine.tmp/.bm-complete"
	rm -rf "$pristine"
	mv "$pristine.tmp" "$pristine"
fi
# The root this run uses: the pristine one, copied anew (what an earlier run installed is gone).
rm -rf "$root"
cp -a "$pristine" "$root"
mkdir -p "$root/src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$root/src" || fail "copying the tree"
[ ! -e "$root/usr/bin/make" ] || fail "the pristine root already has make"

# Inside: the network and the host's resolver, a downloaded-package cache kept between runs
# (only the downloads, never what is installed), no access to the host's /work or the cache.
log=$(tmpdir)/inside.log
bwrap --bind "$root" / --proc /proc --dev /dev \
	--bind "$fresh/archives" /var/cache/apt/archives \
	--ro-bind /etc/resolv.conf /etc/resolv.conf \
	--unshare-pid --die-with-parent --cap-add ALL \
	--clearenv --setenv PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	--setenv HOME /root --setenv LC_ALL C --setenv DEBIAN_FRONTEND noninteractive \
	--chdir /src \
	/bin/sh -euc '
		step() { echo "=== $*"; }
		step apt-get install make
		apt-get update -q
		apt-get install -y -q --no-install-recommends make
		step make deps
		make deps
		step make bootmatrix
		make -j"$(nproc)" WERROR=1 bootmatrix
		./bootmatrix --help | head -n 3
		step make deps-test
		make deps-test
		step make check-unit
		make -j"$(nproc)" WERROR=1 check-unit
		step done
	' >"$log" 2>&1
rc=$?
grep '^===' "$log"
if [ $rc -ne 0 ]; then
	tail -n 20 "$log"
	fail "inside a fresh Debian 12 root (exit $rc), log: $log"
fi
grep -q '^=== done' "$log" || fail "the steps did not all run: $log"
grep -qE '^unit: [1-9][0-9]* passed, 0 failed' "$log" || fail "no unit test summary in $log"
echo "ok: make deps, the build, make deps-test and the unit tests work on a fresh Debian 12 root"
rm -rf "$root"
