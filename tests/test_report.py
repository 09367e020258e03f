"""The HTML report (glassnet.report.write_report)."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.datasets import mnist
from glassnet.report import write_report

pytest.importorskip("matplotlib")
L = gn.layers
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data():
    (x, y), (xt, yt) = mnist.load_data()
    return (x[:2000] / np.float32(255), y[:2000]), (xt[:300] / np.float32(255), yt[:300])


@pytest.fixture(scope="module")
def mlp_and_history(data):
    (x, y), _ = data
    gn.utils.set_random_seed(0)
    model = gn.Sequential([L.Input((28, 28)), L.Flatten(), L.Dense(24, activation="relu"),
                           L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    return model, history


def _images_in(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', page)


def test_report_with_history(mlp_and_history, data, tmp_path):
    model, history = mlp_and_history
    _, (xt, yt) = data
    before = model.get_weights()
    page = write_report(model, tmp_path / "rep", history=history, x_test=xt, y_test=yt)
    assert page == tmp_path / "rep" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    images = _images_in(html)
    assert set(images) == {"curves.png", "weights.png", "confusion.png", "wrong.png",
                           "saliency.png", "adversarial.png"}
    for name in images:
        data_bytes = (tmp_path / "rep" / name).read_bytes()
        assert data_bytes[:8] == PNG, name
        assert len(data_bytes) > 5000, name
    # offline: no external links, scripts or stylesheets
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "Test accuracy" in html or "test accuracy" in html
    accuracy = np.mean(model.predict(xt, verbose=0).argmax(1) == yt)
    assert f"{accuracy:.4f}" in html
    assert "dense" in html and "Total params" in html  # the model summary
    saved = json.loads((tmp_path / "rep" / "history.json").read_text())
    assert saved["val_loss"] == pytest.approx(history.history["val_loss"])
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_report_without_history_says_what_is_missing(mlp_and_history, tmp_path):
    model, _ = mlp_and_history
    page = write_report(model, tmp_path, limit=200)  # MNIST's test set, first 200
    html = page.read_text(encoding="utf-8")
    assert "curves.png" not in html and not (tmp_path / "curves.png").exists()
    assert "need the training history" in html
    assert "200" in html
    assert (tmp_path / "confusion.png").read_bytes()[:8] == PNG


def test_report_of_a_convolutional_model(data, tmp_path):
    (x, y), (xt, yt) = data
    gn.utils.set_random_seed(0)
    model = gn.Sequential([L.Input((28, 28, 1)), L.Conv2D(4, 3, activation="relu"),
                           L.MaxPooling2D(), L.Flatten(), L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x[:500, ..., None], y[:500], epochs=1, verbose=0)
    page = write_report(model, tmp_path, x_test=xt[:100, ..., None], y_test=yt[:100])
    images = _images_in(page.read_text(encoding="utf-8"))
    assert "conv_filters.png" in images and "feature_maps.png" in images
    assert "weights.png" not in images  # the first Dense layer does not see pixels
    for name in images:
        assert (tmp_path / name).read_bytes()[:8] == PNG


def test_report_needs_both_x_and_y(mlp_and_history, data, tmp_path):
    model, _ = mlp_and_history
    _, (xt, _) = data
    with pytest.raises(ValueError, match="without y_test"):
        write_report(model, tmp_path, x_test=xt)


def test_missing_matplotlib_says_what_to_install(mlp_and_history, monkeypatch, tmp_path):
    model, _ = mlp_and_history
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install matplotlib .*pip install \"\.\[plot\]\""):
        write_report(model, tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_fgsm_number_is_on_all_the_reports_images_as_robustness_does(mlp_and_history,
                                                                    tmp_path, monkeypatch):
    """The FGSM accuracy covers every test image the report got (1,200 here), as
    ``glassnet robustness`` does, and the saliency maps are gradient x input."""
    import matplotlib.pyplot as plt

    from glassnet import report
    from glassnet.inspect import fgsm

    monkeypatch.setattr(report, "_save", lambda fig, path: plt.close(fig))  # numbers only

    model, _ = mlp_and_history
    _, (xt, yt) = mnist.load_data()
    x, y = xt[:1200] / np.float32(255), yt[:1200]
    page = write_report(model, tmp_path / "r", x_test=x, y_test=y).read_text(encoding="utf-8")
    eps, shown = re.search(r"accuracy under FGSM, eps=([\d.]+) \(1200 test images\)"
                           r"</th><td>([\d.]+)<", page).groups()
    attacked = model.predict(fgsm(model, x, y, float(eps)), verbose=0).argmax(axis=1)
    assert float(shown) == pytest.approx(np.mean(attacked == y), abs=6e-5)
    assert "On all 1200 test images of this report" in page
    assert "|x ⊙ ∂ŷ_c/∂x|" in page and "lies on the strokes" in page
