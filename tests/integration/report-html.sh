# The HTML report of a real run renders in headless Chromium: the screenshot is a real picture,
# and the rendered page (Chromium's DOM dump) has one matrix row per job.
. tests/lib.sh
need_root
need chromium chromium
out=$(tmpdir)
$BM run --quiet --results "$out" tests/data/plans/two.yaml; rc=$?
[ $rc -le 1 ] || fail "bootmatrix run exited $rc"
run=$(ls -d "$out"/2*)
html=$run/report.html
[ -s "$html" ] || fail "no report.html"
# The report command renders the same page from the history.
$BM report --results "$out" --format html >"$out/again.html" || fail "report --format html"
cmp -s "$html" "$out/again.html" || fail "report --format html differs from the run's report.html"
chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$out/profile" "$@" 2>>"$out/chromium.log"
}
chrome --dump-dom "file://$PWD/$html" >"$out/dom.html" || fail "chromium --dump-dom: $(tail -n 3 "$out/chromium.log")"
rows=$(grep -o '<tr class="job' "$out/dom.html" | wc -l)
jobs=$(json_get "$run/matrix.json" 'len(d["jobs"])')
echo "rendered rows: $rows, jobs: $jobs"
[ "$rows" = "$jobs" ] || fail "the rendered matrix has $rows rows, want $jobs"
chrome --screenshot="$out/report.png" --window-size=1400,900 "file://$PWD/$html" ||
	fail "chromium --screenshot: $(tail -n 3 "$out/chromium.log")"
size=$(wc -c <"$out/report.png")
[ "$size" -gt 10000 ] || fail "the screenshot is only $size bytes"
mkdir -p build/tests && cp "$out/report.png" build/tests/report.png
echo "screenshot: build/tests/report.png ($size bytes)"
