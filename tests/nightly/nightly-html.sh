# The nightly plan (5 arches x 2 toolchains) completes and writes every report; its HTML page
# renders in headless Chromium with 10 matrix rows. Long on a cold cache (ten kernel builds).
. tests/lib.sh
need_root
command -v chromium >/dev/null || skip "no chromium (make deps installs it)"
out=$(tmpdir)
$BM run --results "$out" configs/nightly.yaml; rc=$?
[ $rc -le 1 ] || fail "bootmatrix run exited $rc"
run=$(ls -d "$out"/2*)
for f in report.txt matrix.json report.xml report.md kcidb.json report.html; do
	[ -s "$run/$f" ] || fail "no $f"
done
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$out/profile" --dump-dom "file://$PWD/$run/report.html" >"$out/dom.html" 2>/dev/null
rows=$(grep -o '<tr class="job' "$out/dom.html" | wc -l)
[ "$rows" = 10 ] || fail "the nightly matrix has $rows rows, want 10"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$out/profile" --screenshot="$out/nightly.png" --window-size=1600,1000 \
	"file://$PWD/$run/report.html" 2>/dev/null
[ -s "$out/nightly.png" ] || fail "no screenshot"
mkdir -p build/tests && cp "$out/nightly.png" build/tests/nightly.png
echo "nightly: 10 rows; screenshot build/tests/nightly.png"
