# A kernel.org-style LLVM+Rust tarball (one top directory; bin/ with clang, lld, the LLVM binutils,
# rustc and bindgen; the libraries they load in lib/ found through an RPATH; clang's resource
# directory in lib/clang), made from a toolchain root's LLVM and a release of the tests' Rust
# distribution layout (tests/rustdist-lib.sh). Sourced after tests/lib.sh.
#
# korg_tarball ROOT RUST_DIST NAME OUT: OUT/NAME.tar.xz from ROOT's /usr/lib/llvm-19 and the
# release 1.85.1 of RUST_DIST (rustc, rust-std, rust-src); OUT/NAME.tar.xz.sha256 beside it.
# Runs in a subshell: the caller's variables stay as they are.
KORG_TOOLS="clang clang++ ld.lld lld llvm-ar llvm-nm llvm-objcopy llvm-objdump llvm-readelf llvm-strip llvm-ranlib"

korg_tarball() (
	root=$1 rdist=$2 name=$3 out=$4
	top=$out/work/$name
	rm -rf "$out/work"
	mkdir -p "$top/bin" "$top/lib/clang" "$out/work/rust"
	for t in $KORG_TOOLS; do cp -L "$root/usr/lib/llvm-19/bin/$t" "$top/bin/" || return 1; done
	cp -rL "$root/usr/lib/llvm-19/lib/clang/19" "$top/lib/clang/" || return 1
	cp -L "$root/usr/bin/bindgen" "$top/bin/" || return 1
	libs=$(for t in $KORG_TOOLS bindgen; do
		bwrap --ro-bind "$root" / --proc /proc --dev /dev ldd "/usr/lib/llvm-19/bin/$t" 2>/dev/null ||
			bwrap --ro-bind "$root" / --proc /proc --dev /dev ldd "/usr/bin/$t"
	done | rd_libs | sort -u)
	for l in $libs; do cp -L "$root$l" "$top/lib/" || return 1; done
	chmod -R u+w "$top"
	for t in $KORG_TOOLS bindgen; do patchelf --force-rpath --set-rpath '$ORIGIN/../lib' "$top/bin/$t" || return 1; done
	for l in "$top/lib/"*.so*; do patchelf --force-rpath --set-rpath '$ORIGIN' "$l" || return 1; done
	# rustc, its standard library and sources, as the Rust tarballs hold them
	for t in "$rdist/rust-1.85.1-x86_64-unknown-linux-gnu.tar.xz" "$rdist/rust-src-1.85.1.tar.xz"; do
		tar -C "$out/work/rust" -xJf "$t" || return 1
	done
	for t in "$out/work/rust"/*; do
		while read -r c; do
			(cd "$t/$c" && tar --exclude=manifest.in -cf - .) | tar -C "$top" -xf - || return 1
		done <"$t/components"
	done
	[ -x "$top/bin/rustc" ] && [ -d "$top/lib/rustlib/src/rust/library" ] || { echo "no rustc in $top"; return 1; }
	(cd "$out/work" && XZ_OPT='-T2 -1' tar -cJf "$out/$name.tar.xz" "$name") || return 1
	(cd "$out" && sha256sum "$name.tar.xz" >"$name.tar.xz.sha256")
	rm -rf "$out/work"
)
