#!/bin/sh
# html_cli.sh — `tsmem report --format html`: one self-contained page.
#  (a) a churn and a leak simulation as two hosts (3 days each, times from
#      --interval/--anchor): badges, one <svg>
#      chart per active allocator with leak and churn first, balanced markup,
#      no script, no external reference (http://, https://, //host, url()),
#      a Content-Security-Policy, size bounds; -o leaves no temporary file;
#  (b) 30 days of a restart scenario (several lifetimes): restarts marked,
#      every lifetime in the tables, still a few hundred KB (per-pixel
#      min/max downsampling);
#  (c) the hostile-names fixture under a hostile --host: '<script>' and
#      control characters appear only escaped; an empty database gives a
#      valid page;
#  (d) when /usr/bin/chromium exists: headless --dump-dom holds the verdicts
#      and the <svg> charts and no <script> element; a 1200x900 screenshot
#      is a PNG of that size with more than a handful of colours (decoded
#      with python3's zlib, PNG filters undone).  Without chromium: SKIP.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/html_cli.sh
# Needs python3.  Exits non-zero on any failure.
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-html.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }
skip() { echo "SKIP: $*" >&2; }

# check FILE 'python expression over h (the page text)' MESSAGE
check() {
	if python3 - "$1" "$2" <<'PY'; then ok; else bad "$3 ($1)"; fi
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# selfcontained FILE: balanced tags, no script, nothing fetched from outside.
selfcontained() {
	if python3 - "$1" <<'PY'; then ok; else bad "not a self-contained page: $1"; fi
import re, sys
from html.parser import HTMLParser
h = open(sys.argv[1], encoding="utf-8").read()
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags = [], [], set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k.startswith("on") or k in ("src", "href") and v and not v.startswith("#"):
                self.errors.append("attribute %s=%r" % (k, v))
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.tags.add(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unbalanced </%s> (open: %s)" % (tag, self.stack[-3:]))
        else:
            self.stack.pop()
p = P()
p.feed(h)
p.close()
err = p.errors + (["unclosed %s" % p.stack] if p.stack else [])
for bad in ("script", "iframe", "object", "embed", "link", "img", "foreignobject"):
    if bad in p.tags:
        err.append("<%s> element" % bad)
low = h.lower()
for pat in ("<script", "http://", "https://", "url(", "@import", "@font-face", "src=", "=\"//"):
    if pat in low:
        err.append("contains %r" % pat)
if "Content-Security-Policy" not in h or "default-src 'none'" not in h:
    err.append("no CSP")
if not h.startswith("<!DOCTYPE html>") or not h.rstrip().endswith("</html>"):
    err.append("not a whole document")
for e in err:
    print("    " + e, file=sys.stderr)
sys.exit(1 if err else 0)
PY
}

size_between() {
	s=$(wc -c <"$1")
	if [ "$s" -ge "$2" ] && [ "$s" -le "$3" ]; then ok; else bad "$1: $s bytes, want $2..$3"; fi
}

# ---- (a) churn + leak, 3 days ------------------------------------------------------
"$T" simulate --scenario churn --days 3 --seed 2 |
	"$T" ingest -q -d "$W/c.db" --host edge-01 --interval 60 --anchor '2025-01-06 00:00:00@0' - ||
	bad "simulate | ingest churn"
"$T" simulate --scenario leak --days 3 --seed 3 |
	"$T" ingest -q -d "$W/c.db" --host edge-02 --interval 60 --anchor '2025-01-06 00:00:00@0' - ||
	bad "simulate | ingest leak"
if "$T" report -d "$W/c.db" --format html -o "$W/c.html"; then ok; else bad "report --format html -o"; fi
# shellcheck disable=SC2010
ls -a "$W" | grep -q 'tmp' && bad "-o left a temporary file" || ok
selfcontained "$W/c.html"
size_between "$W/c.html" 20000 3000000
check "$W/c.html" '"badge v-churn" in h and "badge v-leak" in h and "badge v-plateau" in h' \
	"verdict badges"
check "$W/c.html" 'h.count("<svg") >= 28 and h.count("<svg") == h.count("</svg>")' "one chart per bucket"
check "$W/c.html" 'h.count("<polyline") >= 56 and "<polygon" in h' "series drawn"
check "$W/c.html" '"href=\"#h0\">edge-01<" in h and "href=\"#h1\">edge-02<" in h' "host index"
# per host, churn and leak charts first, each with its explanation
check "$W/c.html" 're.findall(r"<div class=\"chart([^\"]*)\"", h.split("<section id=\"h1\">")[0])[:1] == [" warm"]' \
	"the churn chart first (edge-01)"
check "$W/c.html" 're.findall(r"<div class=\"chart([^\"]*)\"", h.split("<section id=\"h1\">")[1])[:1] == [" hot"]' \
	"the leak chart first (edge-02)"
check "$W/c.html" '"badge v-leak" in h.split("class=\"chart hot\"")[1].split("</div>")[0]' \
	"the leaking allocator's chart"
check "$W/c.html" '"stranded by a change in workload" in h.lower() and "live objects accumulate" in h.lower()' \
	"explanations"
check "$W/c.html" '">peak<" in h and ">since<" in h' "churn peak and leak onset marked"
# the same page on standard output
if "$T" report -d "$W/c.db" --format html >"$W/c2.html"; then ok; else bad "html to stdout"; fi
check "$W/c2.html" 'h.count("<svg") >= 28' "html on stdout"
# analyze takes --format html too
"$T" simulate --scenario plateau --days 1 --debug-lines |
	"$T" analyze -q -d "$W/p.db" --host p --format html - >"$W/p.html" || bad "analyze --format html"
selfcontained "$W/p.html"

# ---- (b) 30 days, several lifetimes --------------------------------------------------
"$T" simulate --scenario restarts --days 30 --interval 120 --debug-lines --seed 7 |
	"$T" ingest -q -d "$W/r.db" --host edge-02 - || bad "simulate | ingest restarts"
"$T" report -d "$W/r.db" --format html -o "$W/r.html" || bad "report html, 30 days"
selfcontained "$W/r.html"
size_between "$W/r.html" 100000 3000000
nlt=$("$T" sql -d "$W/r.db" --format csv "SELECT count(*) FROM lifetime" | tail -1)
check "$W/r.html" "h.count('<h3>Lifetime ') == $nlt and $nlt >= 3" "a table per lifetime ($nlt)"
check "$W/r.html" "h.count('>restart<') >= 1 and h.count('<title>restart: lifetime') >= 14 * ($nlt - 1)" \
	"restarts marked on every chart"
check "$W/r.html" '"badge v-leak" in h and "class=\"chart hot\"" in h' "the leak of the restart scenario"

# ---- (c) hostile names, empty database -----------------------------------------------
H="edge'; DROP TABLE sample; -- %s <script>x</script>"
"$T" ingest -q -d "$W/h.db" --host "$H" fixtures/invalid/hostile-names/input.log 2>/dev/null ||
	bad "ingest hostile"
"$T" report -d "$W/h.db" --all --format html -o "$W/h.html" || bad "report html, hostile names"
selfcontained "$W/h.html"
check "$W/h.html" '"&lt;script&gt;alert(1)&lt;/script&gt;" in h and "alert(1)</script>" not in h' \
	"allocator name escaped"
check "$W/h.html" '"&lt;script&gt;x&lt;/script&gt;" in h and "<script>x" not in h' "host escaped"
check "$W/h.html" '"\x1b" not in h and "\t" not in h and "&#x241B;" in h and "&#x2409;" in h' \
	"control characters shown as pictures"
check "$W/h.html" '"it&#39;s;DROP TABLE sample;--%s%n" in h' "quotes and percent signs kept"
printf '' | "$T" ingest -q -d "$W/e.db" --host empty - || bad "ingest empty"
"$T" report -d "$W/e.db" --format html -o "$W/e.html" || bad "report html, empty database"
selfcontained "$W/e.html"
check "$W/e.html" '"Nothing to report" in h and "<svg" not in h' "empty database page"

# ---- (d) a real browser ----------------------------------------------------------------
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
	skip "chromium not installed (apt-get install chromium): browser checks not run"
else
	chrome() {
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
			--disable-background-networking --disable-component-update --disable-sync \
			--disable-quic --no-first-run --user-data-dir="$(mktemp -d "$W/prof.XXXXXX")" "$@" \
			2>>"$W/chromium.err"
	}
	chrome --dump-dom "file://$W/c.html" >"$W/c.dom" || bad "chromium --dump-dom"
	check "$W/c.dom" '"badge v-churn" in h and "badge v-leak" in h and h.count("<svg") >= 28' \
		"DOM holds the verdicts and the charts"
	check "$W/c.dom" 'h.count("<polyline") >= 56 and "ioBufAllocator[5]" in h' "DOM holds the series"
	chrome --dump-dom "file://$W/h.html" >"$W/h.dom" || bad "chromium --dump-dom hostile"
	check "$W/h.dom" '"<script" not in h.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in h' \
		"no script element from the input in the DOM"
	chrome --screenshot="$W/shot.png" --window-size=1200,900 "file://$W/c.html" >/dev/null ||
		bad "chromium --screenshot"
	if python3 - "$W/shot.png" <<'PY'; then ok; else bad "screenshot is not a non-blank 1200x900 PNG"; fi
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + ln]
    if typ == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif typ == b"IDAT":
        idat += body
    pos += 12 + ln
w, h, depth, ctype, _, _, interlace = ihdr
assert (w, h) == (1200, 900), (w, h)
assert depth == 8 and ctype in (2, 6) and interlace == 0, ihdr
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = set()
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 3 == 0:
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 2))
    prev = line
print("screenshot: %dx%d, %d colours sampled" % (w, h, len(colours)))
sys.exit(0 if len(colours) > 16 else 1)
PY
fi

echo "html_cli.sh: $n checks, $fail failed"
[ "$fail" -eq 0 ]
