# Build and boot s390x end to end on the newest kernel with sid's toolchain (see
# tests/boot-arch.sh); run by make check-arches. The kernel wants rustc >= 1.96 for s390, so
# the plan's trixie job (rustc 1.85.1) must be a config result that says so, never a silent gap.
ARCH=s390x
PLAN=configs/newest-arches.yaml
TOOLCHAIN=sid
SOURCE=linux-source
trixie_config_reason() {
	tj="[j for j in d['jobs'] if j['id']=='s390x-trixie-linux-source-rust-kunit'][0]"
	st=$(json_get "$m" "$tj['build']['status']")
	why=$(json_get "$m" "$tj['build'].get('detail')")
	echo "s390x with trixie: $st: $why"
	[ "$st" = config ] || fail "s390x-trixie build: $st, not config: $why"
	case $why in
	*CONFIG_RUST=y*"is too old"*) ;;
	*) fail "s390x-trixie's config result does not say rustc is too old: $why" ;;
	esac
}
AFTER_RUN=trixie_config_reason
. tests/boot-arch.sh
