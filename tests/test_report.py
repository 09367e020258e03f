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
    assert '<html lang="en">' in html and not re.search(r"[\u4e00-\u9fff]", html)
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


# -- in Chinese (GLASSNET_LANG=zh) --------------------------------------------------------------
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def tiny(data):
    """An untrained 784-10 network and 3 test images: the page's words, not its numbers."""
    _, (xt, yt) = data
    gn.utils.set_random_seed(0)
    model = gn.Sequential([L.Input((28, 28)), L.Flatten(), L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    history = {"loss": [2.0, 1.5], "accuracy": [0.3, 0.5], "val_loss": [2.1, 1.7],
               "val_accuracy": [0.3, 0.4]}
    return model, history, xt[:3], yt[:3]


@pytest.fixture
def figures(monkeypatch):
    """The texts of each picture the report draws, by file name; nothing is rendered."""
    import matplotlib.text

    from glassnet import report

    drawn: dict[str, list[str]] = {}

    def record(fig, path):
        drawn[path.name] = [t.get_text() for t in fig.findobj(matplotlib.text.Text)
                            if t.get_text()]
    monkeypatch.setattr(report, "_save", record)
    return drawn


def _page_in_chinese(tiny, tmp_path, monkeypatch) -> str:
    model, history, xt, yt = tiny
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    page = write_report(model, tmp_path, history=history, x_test=xt, y_test=yt)
    return page.read_text(encoding="utf-8")


def test_the_report_page_is_chinese(tiny, figures, tmp_path, monkeypatch):
    from glassnet import report

    monkeypatch.setattr(report, "chinese_font", lambda: "Some CJK Font")
    html = _page_in_chinese(tiny, tmp_path, monkeypatch)
    assert '<html lang="zh-CN">' in html and "<h1>glassnet 模型报告</h1>" in html
    for heading in ("训练曲线", "第一层的权重", "混淆矩阵", "显著图", "模型"):
        assert f"<h2>{heading}" in html, heading
    assert "<th>测试准确率</th>" in html and "<th>参数个数</th>" in html
    for english in ("Training curves", "Confusion matrix", "test accuracy", "Written by",
                    "Most frequent mix-ups", "Each small picture"):
        assert english not in html, english
    # Keras's and glassnet's names stay as they are inside the Chinese sentences
    assert 'glassnet.inspect.saliency(model, x, method="gradient_x_input")' in html
    assert "没有找到中文字体" not in html  # a font was found: no note
    # the pictures' labels are Chinese too
    assert "模型的回答" in figures["confusion.png"] and "真实数字" in figures["confusion.png"]
    assert "损失（loss）" in figures["curves.png"] and "验证集" in figures["curves.png"]
    assert any(CJK.search(t) for t in figures["saliency.png"])
    assert not any("predicted" in t or "training" == t for ts in figures.values() for t in ts)


def test_without_a_chinese_font_the_pictures_stay_english_and_the_page_says_so(
        tiny, figures, tmp_path, monkeypatch):
    from glassnet import report

    monkeypatch.setattr(report, "chinese_font", lambda: None)
    html = _page_in_chinese(tiny, tmp_path, monkeypatch)
    assert "<h2>训练曲线" in html  # the page itself is Chinese: browsers have the fonts
    note = "没有找到中文字体，所以图片中的文字是英文"
    assert html.count(note) == 1
    assert figures and not any(CJK.search(t) for ts in figures.values() for t in ts), figures
    assert "predicted" in figures["confusion.png"] and "training" in figures["curves.png"]


def test_chinese_labels_are_drawn_with_an_installed_chinese_font(monkeypatch, tmp_path):
    """No empty boxes: matplotlib warns 'Glyph ... missing from font(s)' when it draws one."""
    import warnings

    from glassnet import report

    if report.chinese_font() is None:
        pytest.skip("no Chinese font installed (the fallback is tested above)")
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    cm = np.diag([5, 4, 3]) + 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report.plot_confusion(cm, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == PNG
    assert not [w for w in caught if "missing from font" in str(w.message)], \
        [str(w.message) for w in caught]


def test_the_font_search_finds_a_font_matplotlib_has_not_cached(monkeypatch):
    """A Chinese font installed after matplotlib built its font list is still found by its
    file name; with no such file, none is (and the pictures stay English)."""
    from matplotlib import font_manager

    from glassnet import report

    files = [p for p in font_manager.findSystemFonts()
             if any(k in p.lower().replace("-", "") for k in report.CJK_FILES)]
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [f for f in font_manager.fontManager.ttflist
                         if f.name not in report.CJK_FAMILIES])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    assert report._search_chinese_font() is None
    if not files:
        pytest.skip("no Chinese font file on this machine")
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: files)
    assert report._search_chinese_font() is not None
