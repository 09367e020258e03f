"""The playground in a real headless browser: Debian's ``chromium``, driven through the
Chrome DevTools Protocol over ``--remote-debugging-pipe`` (standard library only, no
Playwright or Selenium). Skipped when chromium is not installed (``apt-get install
chromium``). Screenshots go to ``$GLASSNET_PLAYGROUND_SHOTS`` when set (CI artifacts)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading
import time
import warnings
from pathlib import Path

import pytest

from glassnet.playground.server import PlaygroundServer

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                 "google-chrome"))), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install "
                                                         "chromium)")

REBOUND_HOST = "rebound.example"


class Browser:
    """A headless chromium and one page, over the DevTools protocol's pipe (fds 3 and 4:
    JSON messages, each ended by a NUL byte)."""

    def __init__(self, profile: Path, width: int = 1280, height: int = 1100) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def pipes():  # in the child: its fd 3 reads our commands, fd 4 writes the replies
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--no-proxy-server",  # a CI's proxy: not for these
             "--remote-debugging-pipe", f"--user-data-dir={profile}",
             # a name of another site that resolves to this machine, as DNS rebinding does
             f"--host-resolver-rules=MAP {REBOUND_HOST} 127.0.0.1",
             f"--window-size={width},{height}", "about:blank"],
            preexec_fn=pipes, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer, self._id, self.session = b"", 0, None
        self.requests: list[str] = []  # the URLs the page asked for, while Network is enabled
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def send(self, method: str, timeout: float = 20.0, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            while b"\0" not in self._buffer:
                if time.monotonic() > end:
                    raise TimeoutError(method)
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("method") == "Network.requestWillBeSent":
                self.requests.append(reply["params"]["request"]["url"])
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def js(self, expression: str):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True,
                           returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 30.0):
        """The expression's value once it is truthy (polled every 50 ms); ``timeout`` is a
        deadline for a stuck page, generous for a loaded CI machine."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"waited {timeout} s for: {expression}")

    def click(self, selector: str) -> None:
        """A real mouse click (press and release) at the middle of ``selector``."""
        box = self.js(f"(() => {{ const r = document.querySelector({selector!r})"
                      ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];"
                      " })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1],
                      button="left", clickCount=1)

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot",
                                                    format="png")["data"]))

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    probe = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:  # e.g. Ubuntu's chromium-browser, a stub asking for a snap
        pytest.skip(f"{CHROMIUM} does not run: {(probe.stdout + probe.stderr).strip()[:200]}")
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def page(browser):
    """A fresh playground server, and the browser (one for all tests: it starts in ~1 s)."""
    srv = PlaygroundServer(0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield srv, browser
    finally:
        browser.send("Page.navigate", url="about:blank")  # closes the page's event stream
        srv.shutdown()
        srv.close()
        thread.join(5)


def shots_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("GLASSNET_PLAYGROUND_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_browser_trains_xor_and_switches_to_chinese(page, tmp_path):
    srv, b = page
    b.send("Network.enable")
    t0 = time.monotonic()
    b.send("Page.navigate", url=srv.url)
    b.wait("document.body && document.body.dataset.epoch === '0'")
    load_seconds = time.monotonic() - t0
    b.wait("document.fonts.status === 'loaded'")
    b.send("Network.disable")
    assert f"{srv.url}app.js" in b.requests  # it sees the page's requests, and they are all
    assert all(url.startswith(srv.url) for url in b.requests), b.requests  # to this server
    b.click('[data-dataset="xor"]')
    b.wait("window.glassnetState.start.settings.dataset === 'xor' && "
           "document.body.dataset.epoch === '0' && "
           "document.querySelector('[data-dataset=xor]').classList.contains('active')")
    for select, value in (("optimizer", "adam"), ("learning_rate", "0.03")):
        b.js(f"(() => {{ const s = document.getElementById('{select}'); s.value = '{value}';"
             " s.dispatchEvent(new Event('change')); })()")
    b.wait("window.glassnetState.settings.optimizer === 'adam' && "
           "window.glassnetState.start.settings.optimizer === 'adam'")
    for layer, units in ((1, 8), (2, 4)):  # 8 and 4 neurons: 4-2 gets stuck on XOR 1 in 4
        while b.js(f"window.glassnetState.start.settings.hidden[{layer - 1}]") < units:
            n = b.js(f"window.glassnetState.start.settings.hidden[{layer - 1}]")
            b.click(f"#units span:nth-child({layer}) button:last-child")
            b.wait(f"window.glassnetState.start.settings.hidden[{layer - 1}] === {n + 1}")
    before = b.js("document.getElementById('boundary').toDataURL()")
    t1 = time.monotonic()
    b.click("#play")
    try:
        b.wait("Number(document.body.dataset.testLoss) < 0.1", timeout=60)
    except AssertionError:
        raise AssertionError(b.js(
            "JSON.stringify({epoch: document.body.dataset.epoch, loss: document.body.dataset"
            ".testLoss, playing: window.glassnetState.playing, error: document.getElementById("
            "'error').textContent, settings: window.glassnetState.start.settings})")) from None
    seconds_to_learn = time.monotonic() - t1
    # a measurement, not asserted: the page's redraws while it trains, over one more second
    updates0, epoch0, t1 = (b.js("window.glassnetState.updates"),
                            int(b.js("document.body.dataset.epoch")), time.monotonic())
    time.sleep(1.0)
    updates, epoch = b.js("window.glassnetState.updates"), int(b.js("document.body.dataset.epoch"))
    seconds = time.monotonic() - t1
    b.click("#play")  # pause
    b.wait("!window.glassnetState.playing")
    assert b.js("document.getElementById('boundary').toDataURL()") != before
    assert "Dense(" in b.js("document.getElementById('program').textContent")
    shots = shots_dir(tmp_path)
    b.screenshot(shots / "playground-2d.png")

    b.click("#lang-zh")
    assert b.js("document.querySelector('[data-i18n=data]').textContent") == "数据"
    assert b.js("document.querySelector('[data-i18n=test_loss]').textContent") == "测试损失"
    assert b.js("document.documentElement.lang") == "zh-CN"
    assert b.js("Object.keys(STRINGS.en).filter((k) => !STRINGS.zh[k])") == []  # all translated
    b.screenshot(shots / "playground-2d-zh.png")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not fonts.strip():
        warnings.warn("no Chinese font (fc-list :lang=zh is empty): the Chinese screenshots "
                      "show boxes; apt-get install fonts-wqy-microhei", stacklevel=1)
    (shots / "playground-timings.json").write_text(json.dumps(
        {"page_load_seconds": round(load_seconds, 3),
         "seconds_to_test_loss_below_0.1": round(seconds_to_learn, 2),
         "updates_per_second_while_training": round((updates - updates0) / seconds, 1),
         "epochs_per_second": round((epoch - epoch0) / seconds, 1),
         "load_average": round(os.getloadavg()[0], 1)}))


def test_browser_cannot_reach_other_files_or_come_from_another_host(page):
    srv, b = page
    b.send("Page.navigate", url=srv.url)
    b.wait("document.body && document.body.dataset.epoch === '0'")
    for path in ("/../pyproject.toml", "/%2e%2e/server.py", "/static/../session.py"):
        assert b.js(f"fetch({path!r}).then(r => r.status)") == 404
    # DNS rebinding: another site's name now leads to 127.0.0.1; its pages (and their
    # same-origin requests, Host: rebound.example:PORT) must get nothing.
    b.send("Page.navigate", url=f"http://{REBOUND_HOST}:{srv.port}/")
    b.wait(f"location.hostname === {REBOUND_HOST!r} && document.readyState === 'complete'")
    assert "this server answers only" in b.js("document.body.innerText")
    for path in ("/", "/api/state", "/app.js"):
        assert b.js(f"fetch({path!r}).then(r => r.status)") == 403, path
    assert b.js("fetch('/api/control', {method: 'POST', headers: {'Content-Type': "
                "'application/json'}, body: '{\"action\": \"play\"}'}).then(r => r.status)"
                ) == 403
    assert not srv.playground.playing


def draw(b: Browser, strokes) -> None:
    """Mouse strokes on the drawing canvas: each a list of (x, y) in its 280×280 pixels."""
    left, top = b.js("(() => { const r = document.getElementById('digit-canvas')"
                     ".getBoundingClientRect(); return [r.x, r.y]; })()")
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:]
        b.send("Input.dispatchMouseEvent", type="mousePressed", x=left + x0, y=top + y0,
               button="left", buttons=1, clickCount=1)
        for (xa, ya), (xb, yb) in zip(stroke, rest):
            for k in range(1, 9):  # a stroke as a user moves: many small steps
                x, y = xa + (xb - xa) * k / 8, ya + (yb - ya) * k / 8
                b.send("Input.dispatchMouseEvent", type="mouseMoved", x=left + x, y=top + y,
                       button="left", buttons=1)
        xe, ye = stroke[-1]
        b.send("Input.dispatchMouseEvent", type="mouseReleased", x=left + xe, y=top + ye,
               button="left", buttons=0, clickCount=1)


def test_browser_mnist_trains_and_reads_a_drawn_1_and_7(page, tmp_path):
    srv, b = page
    b.send("Page.navigate", url=srv.url + "mnist.html")
    b.wait("window.glassnetState && window.glassnetState.mnistUpdate")
    for select, value in (("limit", "10000"), ("epochs", "2")):
        b.js(f"(() => {{ const s = document.getElementById('{select}'); s.value = '{value}';"
             " s.dispatchEvent(new Event('change')); })()")
        b.wait(f"String(window.glassnetState.mnistStart.settings.{select}) === '{value}'")
    b.click("#train")
    b.wait("document.body.dataset.epochsDone === '2' && document.body.dataset.training === "
           "'false'", timeout=120)
    assert float(b.js("document.body.dataset.testAccuracy")) > 0.9
    timings, probabilities = {}, {}
    for digit, strokes in ((1, [[(150, 40), (140, 240)]]),
                           (7, [[(70, 60), (210, 60), (120, 245)]])):
        b.click("#clear")
        b.wait("!document.body.dataset.prediction")
        draw(b, strokes)
        # the prediction of the finished drawing, not a late reply for a half-drawn one
        b.wait("document.body.dataset.predictionFor === "
               "String(window.glassnetState.canvasVersion)")
        probabilities[digit] = b.js("window.glassnetState.prediction.probabilities")
        assert b.js("document.body.dataset.prediction") == str(digit), (digit, probabilities)
        timings[digit] = b.wait("window.glassnetState.lastPredictionMs")
    b.screenshot(shots_dir(tmp_path) / "playground-mnist.png")
    b.click("#lang-zh")
    assert b.js("document.querySelector('[data-i18n=draw]').textContent") == "写一个数字"
    b.screenshot(shots_dir(tmp_path) / "playground-mnist-zh.png")
    (shots_dir(tmp_path) / "playground-mnist-timings.json").write_text(json.dumps(
        {"stroke_to_prediction_ms": timings, "probabilities": probabilities}))
