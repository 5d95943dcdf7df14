# A Rust distribution layout (what rustup downloads from) made from real rustc builds Debian
# carries, for tests that serve it on loopback (sourced after tests/lib.sh):
#   releases  1.63.0 (bookworm), 1.85.0 and 1.96.0 (bookworm's rustc-web), 1.85.1 (trixie),
#             1.97.1 (sid, when asked for)
#   nightlies 2026-01-01 (1.85.0), 2026-01-02 (1.85.1), no 2026-01-03, 2026-01-04 (1.96.0),
#             2026-01-05 (1.97.1)
# Each rustc is copied with the shared libraries it loads (not glibc's) into PREFIX/lib, its RPATH
# set to $ORIGIN/../lib, the standard library's rlibs in lib/rustlib beside and the library sources
# in the rust-src tarball: the layout of upstream's dist tarballs. Their install.sh fails if run.
#
# It needs apt-get download on the host (bookworm), the trixie root (RD_ROOT_TRIXIE) and patchelf.
RD_TRIPLE=x86_64-unknown-linux-gnu
RD_LAYOUT=2	# what rustdist_make makes: 2 with rustdoc
RD_GLIBC='^(libc|libm|libdl|libpthread|librt|libresolv|ld-linux-x86-64)\.so'

# The shared libraries (paths) rustc loads, one per line, from `ldd` output on stdin.
rd_libs() { awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | while read -r name path; do
	echo "$name" | grep -Eq "$RD_GLIBC" || echo "$path"; done; }

# rd_pack NAME STAGE LIBROOT LIBS...: the tarballs for release NAME from STAGE (a root-like tree
# with usr/bin/rustc), the libraries (paths under LIBROOT) copied beside it.
rd_pack() {
	name=$1 stage=$2 libroot=$3
	shift 3
	w=$RD_WORK/rust-$name-$RD_TRIPLE
	rm -rf "$w" "$RD_WORK/rust-src-$name"
	mkdir -p "$w/rustc/bin" "$w/rustc/lib" "$w/rust-std-$RD_TRIPLE/lib/rustlib/$RD_TRIPLE"
	# rustdoc too: the kernel's doctests need the one of the same rustc
	cp "$stage/usr/bin/rustc" "$stage/usr/bin/rustdoc" "$w/rustc/bin/" || return 1
	for l in "$@"; do cp -L "$libroot$l" "$w/rustc/lib/" || return 1; done
	chmod u+w "$w/rustc/lib/"* "$w/rustc/bin/"*
	for b in rustc rustdoc; do
		patchelf --force-rpath --set-rpath '$ORIGIN/../lib' "$w/rustc/bin/$b" || return 1
	done
	for l in "$w/rustc/lib/"*; do patchelf --force-rpath --set-rpath '$ORIGIN' "$l" || return 1; done
	cp -a "$stage/usr/lib/rustlib/$RD_TRIPLE/lib" "$w/rust-std-$RD_TRIPLE/lib/rustlib/$RD_TRIPLE/" || return 1
	printf 'rustc\nrust-std-%s\n' "$RD_TRIPLE" >"$w/components"
	touch "$w/rustc/manifest.in" "$w/rust-std-$RD_TRIPLE/manifest.in"
	printf '#!/bin/sh\necho "install.sh must not run" >&2\nexit 1\n' >"$w/install.sh"
	chmod +x "$w/install.sh"
	s=$RD_WORK/rust-src-$name
	mkdir -p "$s/rust-src/lib/rustlib/src/rust"
	lib=$(ls -d "$stage"/usr/src/rustc-*/library | head -n 1)
	[ -d "$lib" ] || { echo "no library sources in $stage"; return 1; }
	cp -a "$lib" "$s/rust-src/lib/rustlib/src/rust/" || return 1
	printf 'rust-src\n' >"$s/components"
	touch "$s/rust-src/manifest.in"
	mkdir -p "$RD_DIST"
	(cd "$RD_WORK" && XZ_OPT='-T2 -1' tar -cJf "$RD_DIST/rust-$name-$RD_TRIPLE.tar.xz" "rust-$name-$RD_TRIPLE" &&
		XZ_OPT='-T2 -1' tar -cJf "$RD_DIST/rust-src-$name.tar.xz" "rust-src-$name") || return 1
	rm -rf "$w" "$s"
}

# rd_from_debs NAME PKG=VERSION...: a release from Debian packages of the host's archive.
rd_from_debs() {
	name=$1
	shift
	d=$RD_WORK/debs-$name
	rm -rf "$d" && mkdir -p "$d/stage"
	(cd "$d" && apt-get download -q "$@" >/dev/null 2>&1) || { echo "apt-get download $* failed"; return 1; }
	for deb in "$d"/*.deb; do dpkg-deb -x "$deb" "$d/stage" || return 1; done
	# what the host lacks is in the packages (librustc_driver, libstd, libLLVM of rustc-web)
	libs=$(LD_LIBRARY_PATH=$d/stage/usr/lib/x86_64-linux-gnu ldd "$d/stage/usr/bin/rustc" | rd_libs)
	echo "$libs" | grep -q rustc_driver || { echo "rustc $name: librustc_driver not found"; return 1; }
	LD_LIBRARY_PATH=$d/stage/usr/lib/x86_64-linux-gnu ldd "$d/stage/usr/bin/rustc" | grep -q 'not found' &&
		{ echo "rustc $name: a library is missing on the host"; return 1; }
	# shellcheck disable=SC2086
	rd_pack "$name" "$d/stage" "" $libs || return 1
	rm -rf "$d"
}

# rd_from_root NAME ROOT: a release from a toolchain root's installed rustc.
rd_from_root() {
	name=$1 root=$2
	libs=$(bwrap --ro-bind "$root" / --proc /proc --dev /dev ldd /usr/bin/rustc | rd_libs)
	echo "$libs" | grep -q rustc_driver || { echo "rustc $name: librustc_driver not found in $root"; return 1; }
	# shellcheck disable=SC2086
	rd_pack "$name" "$root" "$root" $libs
}

rd_sums() {
	for f in "$1"/*.tar.xz; do
		(cd "$1" && sha256sum "$(basename "$f")" >"$(basename "$f").sha256")
	done
}

# rustdist_make DIR: the releases of bookworm and trixie (and sid's 1.97.1 when RD_ROOT_SID names
# its root), then the nightlies of those there are. Runs in a subshell: the caller's variables
# stay as they are.
rustdist_make() (
	RD_TOP=$1
	RD_DIST=$RD_TOP/dist
	RD_WORK=$RD_TOP/work
	rm -rf "$RD_WORK"
	# a layout made by an earlier version of this file goes
	[ "$(cat "$RD_TOP/layout" 2>/dev/null)" = "$RD_LAYOUT" ] || rm -rf "$RD_DIST" "$RD_TOP/korg"
	mkdir -p "$RD_WORK" "$RD_DIST"
	echo "$RD_LAYOUT" >"$RD_TOP/layout"
	[ -f "$RD_DIST/rust-src-1.63.0.tar.xz" ] || rd_from_debs 1.63.0 rustc=1.63.0+dfsg1-2 \
		libstd-rust-1.63=1.63.0+dfsg1-2 libstd-rust-dev=1.63.0+dfsg1-2 rust-src=1.63.0+dfsg1-2 ||
		return 1
	# bookworm's rustc-web links the LLVM of a libllvmN package
	for v in 1.85.0+dfsg3-1~deb12u3:1.85.0:19 1.96.0+dfsg1-1~deb12u2:1.96.0:22; do
		deb=${v%%:*} rest=${v#*:}
		name=${rest%%:*} llvm=${rest##*:}
		[ -f "$RD_DIST/rust-src-$name.tar.xz" ] ||
			rd_from_debs "$name" "rustc-web=$deb" "libstd-rust-web-${name%.*}=$deb" \
				"libstd-rust-web-dev=$deb" "rust-web-src=$deb" "libllvm$llvm" || return 1
	done
	[ -f "$RD_DIST/rust-src-1.85.1.tar.xz" ] || rd_from_root 1.85.1 "$RD_ROOT_TRIXIE" || return 1
	if [ -n "${RD_ROOT_SID:-}" ] && [ ! -f "$RD_DIST/rust-src-1.97.1.tar.xz" ]; then
		rd_from_root 1.97.1 "$RD_ROOT_SID" || return 1
	fi
	# nightlies: the same builds under dated directories, a day missing
	for n in 2026-01-01:1.85.0 2026-01-02:1.85.1 2026-01-04:1.96.0 2026-01-05:1.97.1; do
		day=${n%%:*} name=${n##*:}
		[ -f "$RD_DIST/rust-src-$name.tar.xz" ] || continue
		mkdir -p "$RD_DIST/$day"
		ln -f "$RD_DIST/rust-$name-$RD_TRIPLE.tar.xz" "$RD_DIST/$day/rust-nightly-$RD_TRIPLE.tar.xz"
		ln -f "$RD_DIST/rust-src-$name.tar.xz" "$RD_DIST/$day/rust-src-nightly.tar.xz"
		rd_sums "$RD_DIST/$day"
	done
	rd_sums "$RD_DIST"
	rm -rf "$RD_WORK"
)
