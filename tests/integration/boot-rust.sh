# Every Rust test the kernel has (issue 13), on x86_64: the default plan's newest kernel (sid's
# linux-source, 7.2 today) with configs/rust.config runs every Rust KUnit suite and the Rust
# doctests at boot, loads and unloads every Rust sample it could build, and its Rust map says
# which Rust test options the config dropped and why; Debian's 6.12 LTS beside it has its own,
# smaller map, and no option a kernel lacks is a config failure. `report --rust` shows both.
. tests/lib.sh
need_root
out=$(tmpdir)
$BM run --arch x86_64 --results "$out" configs/default.yaml >"$out/run.log" 2>&1
rc=$?
[ $rc -le 1 ] || fail "run exited $rc: $(tail -n 3 "$out/run.log")"
m=$(ls "$out"/2*/matrix.json)
new="[j for j in d['jobs'] if j['id']=='x86_64-trixie-linux-source-rust'][0]"
lts="[j for j in d['jobs'] if j['id']=='x86_64-trixie-linux-source-6.12-rust'][0]"
for J in "$new" "$lts"; do
	[ "$(json_get "$m" "$J['build']['status']")/$(json_get "$m" "$J['boot']['status']")" = pass/pass ] ||
		fail "$(json_get "$m" "$J['id']"): build/boot $(json_get "$m" "$J['build']['status']")/$(json_get "$m" "$J['boot']['status']"): $(json_get "$m" "$J['build'].get('detail')")"
	[ "$(json_get "$m" "[o['fate'] for o in $J['rust']['options'] if o['name']=='RUST']")" = "['on']" ] ||
		fail "$(json_get "$m" "$J['id']"): RUST is not on in the Rust map"
done
# the newest kernel: 7 Rust KUnit suites (#[kunit_tests]) and the doctests, all passing
n_rust=$(json_get "$m" "len([s for s in $new['suites'] if s['kind']=='kunit' and s['name'].startswith('rust_') and s['name']!='rust_doctests_kernel'])")
[ "$n_rust" -ge 7 ] || fail "only $n_rust Rust KUnit suites ran on the newest kernel"
bad=$(json_get "$m" "[s['name'] for s in $new['suites'] if s['kind']=='kunit' and s['name'].startswith('rust') and s['status']!='pass']")
[ "$bad" = "[]" ] || fail "Rust KUnit suites not passing: $bad"
# at least 6 samples loaded and unloaded cleanly; each dropped sample a skip naming the dependency
loaded=$(json_get "$m" "len([c for s in $new['suites'] if s['name']=='rust_samples' for c in s['cases'] if c['status']=='pass'])")
[ "$loaded" -ge 6 ] || fail "only $loaded Rust samples loaded and unloaded"
pci=$(json_get "$m" "[c['detail'] for s in $new['suites'] if s['name']=='rust_samples' for c in s['cases'] if c['name']=='load_unload.rust_driver_pci']")
case $pci in *"unmet dependency: PCI"*) ;; *) fail "the PCI sample's skip: $pci" ;; esac
[ "$(json_get "$m" "[o['fate'] for o in $new['rust']['options'] if o['name']=='SAMPLE_RUST_DRIVER_PCI']")" = "['dropped']" ] ||
	fail "SAMPLE_RUST_DRIVER_PCI is not dropped in the map"
# 6.12 has no Rust KUnit test menu: its map does not list one, and nothing is a config failure
[ "$(json_get "$m" "[o['name'] for o in $lts['rust']['options'] if o['name']=='RUST_KUNIT_TESTS']")" = "[]" ] ||
	fail "6.12's map lists RUST_KUNIT_TESTS"
$BM report --results "$out" --rust >"$out/rust.txt"
[ $? -le 1 ] || fail "report --rust failed"
cat "$out/rust.txt"
grep -q '^x86_64-trixie-linux-source-rust .* 1\.85\.1 .*315/315' "$out/rust.txt" || fail "report --rust lacks the newest kernel's row"
grep -q 'dropped  CONFIG_SAMPLE_RUST_DRIVER_PCI: unmet dependency: PCI' "$out/rust.txt" || fail "report --rust does not say why PCI's sample is dropped"
grep -q 'Rust support map' "$(dirname "$m")/report.md" || fail "report.md has no Rust support map"
grep -q '<h2>Rust support map</h2>' "$(dirname "$m")/report.html" || fail "report.html has no Rust support map"
echo "ok: $n_rust Rust KUnit suites, $loaded samples loaded, Rust maps for 7.2 and 6.12"
