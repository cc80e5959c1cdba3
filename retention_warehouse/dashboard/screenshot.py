"""Screenshots of the running dashboard in headless Chromium, for docs/screenshots and the browser test.

    python -m retention_warehouse.dashboard.screenshot --out docs/screenshots [--pages overview cohorts value]

starts `streamlit run` on a free localhost port against $DBT_DUCKDB_PATH, opens every page (or the ones named) in
headless Chromium 1280 px wide and writes dashboard_<page>.png of the whole page. It fails when a page shows an
error, a label cut short (text clipped with an ellipsis, a widget's value wider than its box) or a bare "None".
Streamlit draws the page over a websocket after the HTML has loaded, so `chromium --screenshot`
alone captures an empty shell; this drives the same Chromium through its DevTools protocol (the `websockets`
package ships with Streamlit) and waits until the page has finished running and stopped changing. No network
access beyond localhost.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).with_name("app.py")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
    "--disable-dev-shm-usage",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


@contextlib.contextmanager
def serve(database: str | os.PathLike | None = None, port: int | None = None, timeout: float = 60):
    """Run the dashboard with `streamlit run` on localhost; yields its base URL."""
    port = port or free_port()
    env = dict(os.environ)
    if database is not None:
        env["DBT_DUCKDB_PATH"] = str(database)
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--global.developmentMode", "false",
               "--client.toolbarMode", "minimal"]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", timeout)
        yield f"http://127.0.0.1:{port}"
    except Exception:
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-4000:])
        raise
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


WIDTH = 1280  # the narrowest desktop the dashboard is checked at: every label must be readable there

# Text the page cuts short: elements that clip with an ellipsis (metric labels, values and deltas, radio and
# markdown labels) or inputs (a selectbox's chosen value) whose content is wider than their box. Charts, tables
# and code scroll or draw on a canvas, so they are left out; hidden elements (a closed expander) have no box.
TRUNCATION_PROBE = """(() => {
    const skip = '[data-testid="stVegaLiteChart"], [data-testid="stDataFrame"], [data-testid="stCode"], pre, code';
    const cut = [];
    for (const el of document.querySelectorAll('[data-testid="stApp"] *')) {
        if (el.closest(skip) || !el.getClientRects().length) continue;
        const input = el.tagName === 'INPUT' && el.type !== 'hidden';
        if (!input && getComputedStyle(el).textOverflow !== 'ellipsis') continue;
        const text = (input ? el.value : el.innerText || '').trim();
        if (text && el.scrollWidth > el.clientWidth + 1) {
            const owner = el.closest('[data-testid]');
            cut.push({element: owner ? owner.getAttribute('data-testid') : el.tagName.toLowerCase(),
                      text: text.slice(0, 120), width: el.clientWidth, needs: el.scrollWidth});
        }
    }
    return JSON.stringify(cut);
})()"""


@dataclass
class Capture:
    url: str
    png: bytes
    html: str
    text: str
    exceptions: int
    error_alerts: int
    charts: int
    cut: list[dict]  # TRUNCATION_PROBE's findings: text shown shorter than it is

    def problems(self) -> list[str]:
        """What a reader of the page would trip over: errors, cut labels, a bare None."""
        found = []
        if self.exceptions or self.error_alerts:
            found.append(f"{self.exceptions} exception(s), {self.error_alerts} error box(es)")
        found += [f"cut: {c['text']!r} ({c['element']}, {c['needs']} px in {c['width']} px)" for c in self.cut]
        found += [f"shows {line.strip()!r}" for line in self.text.splitlines() if re.search(r"\b(None|NaN)\b", line)]
        return found


class Browser:
    """One headless Chromium, driven over the DevTools protocol."""

    def __init__(self, chromium: str | None = None, width: int = WIDTH, height: int = 1000):
        from websockets.sync.client import connect

        self.chromium = chromium or find_chromium()
        if not self.chromium:
            raise FileNotFoundError("chromium not found (apt-get install chromium)")
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="dashboard-chromium-")
        self.process = subprocess.Popen(
            [self.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("headless chromium did not start")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=20, legacy=True)
        self._id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method: str, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def _viewport(self, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def capture(self, url: str, *, height: int | None = None, timeout: float = 60, settle: float = 1.5,
                max_height: int = 6000) -> Capture:
        """Open `url`, wait until Streamlit has finished the run and the page is stable, then screenshot it: `height`
        px tall, or (None) the whole page, up to `max_height`."""
        self._viewport(height or self.height)
        self.call("Page.navigate", url=url)
        self._settle(url, timeout, settle)
        if height is None:  # grow the viewport to the page, then let the charts settle at that size
            content = self.evaluate("""(() => {
                const main = document.querySelector('[data-testid="stMainBlockContainer"]');
                return main ? Math.ceil(main.getBoundingClientRect().bottom + window.scrollY) + 48 : 0;
            })()""") or 0
            if content > self.height:
                self._viewport(min(int(content), max_height))
                self._settle(url, timeout, settle)
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        html = self.evaluate("document.documentElement.outerHTML") or ""
        text = self.evaluate("document.body.innerText") or ""
        counts = json.loads(self.evaluate("""JSON.stringify({
            exceptions: document.querySelectorAll('[data-testid="stException"]').length,
            errors: document.querySelectorAll('[data-testid="stAlertContentError"]').length,
            charts: document.querySelectorAll('[data-testid="stVegaLiteChart"]').length})"""))
        cut = json.loads(self.evaluate(TRUNCATION_PROBE) or "[]")
        return Capture(url, base64.b64decode(shot["data"]), html, text, counts["exceptions"], counts["errors"],
                       counts["charts"], cut)

    def _settle(self, url: str, timeout: float, settle: float) -> None:
        """Wait until Streamlit has finished the run and the page has stopped changing for `settle` seconds."""
        probe = """(() => {
            const main = document.querySelector('[data-testid="stMainBlockContainer"]');
            const running = document.querySelector('[data-testid="stStatusWidgetRunningIcon"],'
                + '[data-testid="stStatusWidgetRunningManIcon"], [data-testid="stAppSkeleton"],'
                + '[data-testid="stSpinner"]');
            const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"] canvas,'
                + ' [data-testid="stVegaLiteChart"] svg.marks').length;
            // a main block with no text yet: the script run has not started (seen on a loaded machine)
            return JSON.stringify({ready: !!main && !running && document.readyState === 'complete'
                                          && main.innerText.trim().length > 0,
                                   size: main ? main.innerHTML.length : 0, charts});
        })()"""
        deadline = time.monotonic() + timeout
        stable_since, last = None, None
        while time.monotonic() < deadline:
            state = json.loads(self.evaluate(probe) or "{}")
            if state.get("ready") and state.get("size", 0) > 0:
                key = (state["size"], state["charts"])
                if key == last:
                    if stable_since and time.monotonic() - stable_since >= settle:
                        break
                else:
                    last, stable_since = key, time.monotonic()
            else:
                last, stable_since = None, None
            time.sleep(0.25)
        else:
            raise TimeoutError(f"{url} did not finish rendering within {timeout:.0f} s")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def compact_png(png: bytes, max_bytes: int = 500_000) -> bytes:
    """Re-encode as a palette PNG (dashboards have few colours), so a committed screenshot stays small."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colors in (256, 128, 64):
        out = io.BytesIO()
        image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            out, format="PNG", optimize=True)
        if out.tell() <= max_bytes:
            return out.getvalue()
    return out.getvalue()


def pages() -> list[str]:
    """Every page of the dashboard, in sidebar order (views.PAGES)."""
    from retention_warehouse.dashboard import views

    return list(views.PAGES)


def capture_pages(out: str | os.PathLike, page_names: list[str] | None = None,
                  database: str | os.PathLike | None = None, width: int = WIDTH) -> dict[str, Capture]:
    """Serve the dashboard on `database`, capture each page (every page by default) whole at `width` px and write
    it to `out`/dashboard_<page>.png, compacted; returns the captures by page."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    captures = {}
    with serve(database) as base, Browser(width=width) as browser:
        for page in page_names or pages():
            capture = browser.capture(f"{base}/?page={page}", timeout=180)
            (out / f"dashboard_{page}.png").write_bytes(compact_png(capture.png))
            captures[page] = capture
    return captures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retention_warehouse.dashboard.screenshot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="docs/screenshots", help="directory for dashboard_<page>.png")
    parser.add_argument("--pages", nargs="*", help=f"some of {', '.join(pages())} (default: every page)")
    parser.add_argument("--database", help="DuckDB file (default $DBT_DUCKDB_PATH or retention.duckdb)")
    parser.add_argument("--width", type=int, default=WIDTH)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.pages or ()) - set(pages()))
    if unknown:
        parser.error(f"no page {', '.join(unknown)}; the pages are {', '.join(pages())}")
    failed = False
    for page, capture in capture_pages(args.out, args.pages, args.database, args.width).items():
        path = Path(args.out) / f"dashboard_{page}.png"
        print(f"{path}  {path.stat().st_size / 1000:.0f} kB  {capture.charts} charts")
        for problem in capture.problems():
            print(f"{page}: {problem}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
