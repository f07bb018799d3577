"""report.html in a real browser: headless Chromium loads it with no console errors, and every figure
is an <img> that decodes. Skipped, with the reason shown, only where Chromium is not installed
(Debian package ``chromium``)."""
import json
import re
import shutil
import subprocess
import sys

import pytest

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless browser test skipped: chromium is not installed (apt-get install chromium)")

# Appended to a *copy* of the report (the report itself carries no scripts): collects errors and
# the decode status of every image, then writes them into the DOM for --dump-dom.
PROBE_HEAD = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || (e.target && e.target.src) || e)), true);
const __ce = console.error; console.error = (...a) => { window.__errors.push(a.join(' ')); __ce(...a); };
</script>"""
PROBE_TAIL = """<script>
window.addEventListener('load', () => {
  const imgs = [];
  for (const img of document.images) {
    // decoded: loaded with a real size, and its pixels drawn to a canvas are not all one colour
    let decoded = img.complete && img.naturalWidth > 0, varied = false;
    if (decoded) {
      try {
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 4; i < d.length; i += 4) { if (d[i] !== d[0] || d[i+1] !== d[1] || d[i+2] !== d[2]) { varied = true; break; } }
      } catch (e) { window.__errors.push('canvas: ' + e); }
    }
    imgs.push({alt: img.alt, complete: img.complete, decoded, varied, w: img.naturalWidth, h: img.naturalHeight});
  }
  const pre = document.createElement('pre');
  pre.id = 'neurosim-probe';
  pre.textContent = JSON.stringify({images: imgs, errors: window.__errors});
  document.body.appendChild(pre);
});
</script>"""


def chromium(url, profile, *extra):
    cmd = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=10000", f"--user-data-dir={profile}", *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def console_lines(stderr):
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, traces_dir):
    out = tmp_path_factory.mktemp("browser") / "run"
    r = subprocess.run([sys.executable, "-m", "neurosim", "run", "rram_inference", str(traces_dir / "digits"),
                        "--ticks", "120", "--mapping", "read-aware", "--baseline", "sequential", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def test_report_is_self_contained(report_dir):
    text = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:|//|file:)", text, re.I)
    assert "http://" not in text and "https://" not in text
    srcs = re.findall(r'<img[^>]*src="([^"]+)"', text)
    assert len(srcs) >= 6 and all(s.startswith("data:image/png;base64,") for s in srcs)


@needs_chromium
def test_probe_detects_errors_and_broken_images(tmp_path):
    """The harness itself: a page with a console error and an undecodable image is caught."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head>" + PROBE_HEAD + "</head><body>"
                    '<img alt="broken" src="data:image/png;base64,AAAA">'
                    "<script>console.error('deliberate');</script>" + PROBE_TAIL + "</body></html>")
    r = chromium(page.as_uri(), tmp_path / "profile", "--dump-dom")
    probe = json.loads(re.search(r'<pre id="neurosim-probe">(.*?)</pre>', r.stdout, re.S).group(1))
    assert any("deliberate" in e for e in probe["errors"])
    assert probe["images"] == [{"alt": "broken", "complete": True, "decoded": False, "varied": False, "w": 0, "h": 0}]


@needs_chromium
def test_report_opens_in_headless_chromium(report_dir, tmp_path):
    # 1) the report as shipped: no console output at all (it has no scripts, so any line is an error
    #    such as a blocked or missing resource), and the DOM holds the figures
    r = chromium((report_dir / "report.html").as_uri(), tmp_path / "p1", "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    assert console_lines(r.stderr) == []
    assert r.stdout.count("<img") >= 6 and "Endurance maps" in r.stdout

    # 2) a probed copy: every image complete, decoded, with a real size; no error events
    text = (report_dir / "report.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("</head>", PROBE_HEAD + "</head>", 1).replace("</body>", PROBE_TAIL + "</body>", 1),
                      encoding="utf-8")
    r = chromium(probed.as_uri(), tmp_path / "p2", "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    m = re.search(r'<pre id="neurosim-probe">(.*?)</pre>', r.stdout, re.S)
    assert m, "probe did not run: " + r.stderr[-2000:]
    probe = json.loads(m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert probe["errors"] == []
    imgs = probe["images"]
    assert len(imgs) >= 6
    for img in imgs:
        assert img["complete"] and img["decoded"] and img["varied"] and img["w"] > 50 and img["h"] > 50, img
    alts = " ".join(i["alt"] for i in imgs)
    for needle in ("write endurance heat map", "read endurance heat map", "lifetime by crossbar",
                   "energy breakdown", "latency histogram", "spike raster", "accuracy against age"):
        assert needle in alts

    # 3) it renders to a non-blank screenshot
    shot = tmp_path / "shot.png"
    r = chromium((report_dir / "report.html").as_uri(), tmp_path / "p3", f"--screenshot={shot}",
                 "--window-size=1200,3000", "--hide-scrollbars")
    assert shot.exists() and shot.stat().st_size > 20000, r.stderr[-2000:]


def probe_in_browser(html, tmp_path):
    """Open ``html`` as shipped (no console output allowed) and a probed copy; return the probe."""
    r = chromium(html.as_uri(), tmp_path / "q1", "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    assert console_lines(r.stderr) == []
    text = html.read_text(encoding="utf-8")
    probed = html.with_name("probed-" + html.name)
    probed.write_text(text.replace("</head>", PROBE_HEAD + "</head>", 1).replace("</body>", PROBE_TAIL + "</body>", 1),
                      encoding="utf-8")
    r = chromium(probed.as_uri(), tmp_path / "q2", "--dump-dom")
    m = re.search(r'<pre id="neurosim-probe">(.*?)</pre>', r.stdout, re.S)
    assert m, "probe did not run: " + r.stderr[-2000:]
    probe = json.loads(m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert probe["errors"] == []
    for img in probe["images"]:
        assert img["complete"] and img["decoded"] and img["varied"] and img["w"] > 50 and img["h"] > 50, img
    return probe


@needs_chromium
def test_sweep_report_opens_in_headless_chromium(tmp_path, traces_dir):
    spec = tmp_path / "rv.yaml"
    spec.write_text(
        "name: rv_browser\nhwconfig: rram_inference\n"
        f"workloads: [{traces_dir / 'digits'}]\nstrategies: [sequential, read-aware]\nbaseline: sequential\n"
        "seeds: [0]\nticks: 40\ngrid:\n  crossbar.read_voltage_v: [0.25, 0.3]\n")
    for args in (("sweep", str(spec), "--db", str(tmp_path / "rv.db")), ("report", str(tmp_path / "rv.db"))):
        r = subprocess.run([sys.executable, "-m", "neurosim", *args], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    html = tmp_path / "rv_report" / "report.html"
    text = html.read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "http://" not in text and "https://" not in text
    probe = probe_in_browser(html, tmp_path)
    assert len(probe["images"]) >= 2
