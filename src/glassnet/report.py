"""An HTML report of what a trained MNIST model learned, with its pictures beside it.

``write_report(model, out_dir, history)`` writes ``out_dir/index.html`` (one page, no
external assets: it opens offline) and these PNG files:

* ``curves.png``: loss and accuracy per epoch, training and validation (needs ``history``);
* ``weights.png``: the first Dense layer's weights, each hidden unit as a 28x28 image;
* ``conv_filters.png``, ``feature_maps.png``: the first Conv2D layer's filters and its
  output on one test image (convolutional models only);
* ``confusion.png``: the confusion matrix on the test set;
* ``wrong.png``: the test images the model gets most confidently wrong, with its
  probabilities;
* ``saliency.png``: gradient × input ``|x ⊙ ∂ŷ_c/∂x|`` for a few test images
  (``glassnet.inspect.saliency(..., method="gradient_x_input")``);
* ``adversarial.png``: clean images, their FGSM twins and both predictions.

Drawing needs matplotlib (``pip install matplotlib``, or ``pip install ".[plot]"`` in the
glassnet folder). Only matplotlib's
object-oriented API is used (no ``pyplot``), so a notebook's backend is left alone.

The page and the pictures speak the language of glassnet's messages (``GLASSNET_LANG=zh``:
Simplified Chinese, see ``glassnet.i18n``). The pictures need a font that has Chinese
characters (``chinese_font`` looks for one that is installed: Noto Sans CJK, Source Han
Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang, ...); without one their labels stay in
English, and the page says so in one line, rather than drawing empty boxes.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from . import inspect as ginspect
from .i18n import CHINESE, N_, _, language
from .layers.dense import Dense

PLOT_HINT = 'pip install matplotlib   (or, in the glassnet folder: pip install ".[plot]")'


def _matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(_(
            "The report draws its pictures with matplotlib, which is not installed. "
            "Install it with: {hint}").format(hint=PLOT_HINT)) from None
    return Figure, FigureCanvasAgg


# -- Chinese in the pictures ------------------------------------------------------------------
#: Font families that draw Simplified Chinese, the most common first: Linux (Noto, Source
#: Han, WenQuanYi, AR PL, Droid), Windows (Microsoft YaHei, SimHei, SimSun), macOS.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Noto Serif CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei",
    "SimHei", "DengXian", "SimSun", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "Songti SC", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback",
    "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans",
)
#: Pieces of those fonts' file names, for fonts installed after matplotlib built its cache.
CJK_FILES = ("notosanscjk", "notoserifcjk", "notosanssc", "sourcehansans", "sourcehanserif",
             "wqy", "msyh", "simhei", "simsun", "deng", "pingfang", "hiragino", "stheiti",
             "songti", "uming", "ukai", "droidsansfallback")
_TEST_GLYPHS = "训练损失准确率图"
_found_font: list[str | None] = []  # the search's answer, once per process


def chinese_font() -> str | None:
    """The family name of an installed font that draws Chinese, or None.

    Looked for among the fonts matplotlib knows, then among the system's font files (a
    font installed after matplotlib built its font cache is added to it); a font counts
    only if it has glyphs for Chinese characters. The answer is kept for the process.
    """
    if not _found_font:
        _found_font.append(_search_chinese_font())
    return _found_font[0]


def _search_chinese_font() -> str | None:
    try:
        from matplotlib import font_manager
        from matplotlib.ft2font import FT2Font
    except ImportError:
        return None

    def draws_chinese(path: str) -> bool:
        try:
            font = FT2Font(path)
        except (OSError, RuntimeError, ValueError):
            return False
        return all(font.get_char_index(ord(ch)) for ch in _TEST_GLYPHS)

    known = {}
    for entry in font_manager.fontManager.ttflist:
        known.setdefault(entry.name, entry.fname)
    for family in CJK_FAMILIES:
        if family in known and draws_chinese(known[family]):
            return family
    for path in font_manager.findSystemFonts():
        name = os.path.basename(path).lower().replace(" ", "").replace("-", "")
        if any(piece in name for piece in CJK_FILES) and draws_chinese(path):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def _figure_font() -> str | None:
    """The font the pictures' Chinese is drawn with, or None when they are in English
    (English messages, or no Chinese font installed)."""
    return chinese_font() if language() == CHINESE else None


def _fig(message: str) -> str:
    """A picture's text: translated when the pictures can draw Chinese, else English."""
    return _(message) if _figure_font() else message


def _figure(width: float, height: float):
    Figure, FigureCanvasAgg = _matplotlib()
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> None:
    font = _figure_font()
    if font is None:
        fig.savefig(path, format="png", bbox_inches="tight", facecolor="white")
        return
    import matplotlib

    # the Chinese font first; the usual ones after it draw what it lacks (matplotlib >= 3.6)
    families = [font, *matplotlib.rcParams["font.sans-serif"]]
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": families,
                                "axes.unicode_minus": False}):
        fig.savefig(path, format="png", bbox_inches="tight", facecolor="white")


def _as_images(x: np.ndarray) -> np.ndarray | None:
    """``(n, 28, 28)`` views of MNIST inputs of any layout, or None if they are not."""
    if x[0].size != 28 * 28:
        return None
    return x.reshape(len(x), 28, 28)


def _history_dict(history) -> dict[str, list[float]] | None:
    if history is None:
        return None
    h = getattr(history, "history", history)
    return {k: [float(v) for v in vs] for k, vs in dict(h).items()} or None


# -- the pictures -----------------------------------------------------------------------------
_METRIC_NAMES = {"loss": N_("loss"), "accuracy": N_("accuracy")}


def plot_curves(history: dict[str, list[float]], path: Path) -> None:
    """Loss and accuracy per epoch, training (solid) and validation (dashed)."""
    metrics = [m for m in ("loss", "accuracy") if m in history]
    fig = _figure(5 * len(metrics), 3.6)
    for k, metric in enumerate(metrics):
        ax = fig.add_subplot(1, len(metrics), k + 1)
        for key, style, label in ((metric, "o-", _fig(N_("training"))),
                                  ("val_" + metric, "s--", _fig(N_("validation")))):
            if key in history:
                values = history[key]
                ax.plot(range(1, len(values) + 1), values, style, label=label)
        name = _fig(_METRIC_NAMES[metric])
        ax.set_xlabel(_fig(N_("epoch")))
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    _save(fig, path)


def plot_first_layer(W: np.ndarray, path: Path, max_units: int = 128) -> int:
    """Each column of ``W (784, units)`` as a 28x28 picture: the pattern a unit responds to.

    Red pixels push the unit's ``z`` up, blue ones down; each unit has its own scale.
    """
    units = min(W.shape[1], max_units)
    cols = 16 if units > 64 else 8
    rows = int(np.ceil(units / cols))
    # one mosaic image, each tile scaled to [-1, 1] on its own, white 2-px gaps between
    # tiles: a single imshow is much faster to draw than one subplot per unit
    tile = 28 + 2
    mosaic = np.full((rows * tile - 2, cols * tile - 2), np.nan)
    for j in range(units):
        r, c = divmod(j, cols)
        w = W[:, j].reshape(28, 28)
        mosaic[r * tile:r * tile + 28, c * tile:c * tile + 28] = w / (np.abs(w).max() or 1.0)
    fig = _figure(cols * 0.8, rows * 0.8 + 0.4)
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(mosaic, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(_fig(N_("First layer weights: {units} of {total} hidden units "
                         "(red: positive, blue: negative)")).format(units=units,
                                                                    total=W.shape[1]),
                 fontsize=10)
    _save(fig, path)
    return units


def plot_confusion(cm: np.ndarray, path: Path) -> None:
    """Rows: the true digit; columns: the model's answer; the diagonal is right."""
    fig = _figure(6, 5.4)
    ax = fig.add_subplot(1, 1, 1)
    shown = np.log1p(cm)
    ax.imshow(shown, cmap="Blues")
    k = len(cm)
    for i in range(k):
        for j in range(k):
            color = "white" if shown[i, j] > 0.6 * shown.max() else "black"
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel(_fig(N_("predicted")))
    ax.set_ylabel(_fig(N_("true")))
    ax.set_title(_fig(N_("Confusion matrix ({n} test images, {right:.2%} right)")).format(
        n=cm.sum(), right=np.trace(cm) / max(cm.sum(), 1)))
    _save(fig, path)


def plot_wrong(images: np.ndarray, y_true: np.ndarray, probs: np.ndarray, path: Path) -> None:
    """Each wrong image above a bar chart of the model's 10 probabilities."""
    n = len(images)
    cols = min(n, 5)
    rows = int(np.ceil(n / cols))
    fig = _figure(cols * 1.9, rows * 3.6)
    grid = fig.add_gridspec(rows * 2, cols, height_ratios=[1.6, 1] * rows, hspace=0.7,
                            wspace=0.25)
    for i in range(n):
        r, c = divmod(i, cols)
        ax = fig.add_subplot(grid[2 * r, c])
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1)
        p = probs[i]
        ax.set_title(_fig(N_("said {said} ({p_said:.0%})\ntrue {true} ({p_true:.0%})")).format(
            said=p.argmax(), p_said=p.max(), true=y_true[i], p_true=p[y_true[i]]), fontsize=9)
        ax.set_axis_off()
        bx = fig.add_subplot(grid[2 * r + 1, c])
        colors = ["tab:red" if d == p.argmax() else
                  "tab:green" if d == y_true[i] else "tab:gray" for d in range(len(p))]
        bx.bar(range(len(p)), np.maximum(p, 0.01), color=colors)
        bx.set_ylim(0, 1)
        bx.set_xticks(range(len(p)))
        bx.tick_params(labelsize=7)
        bx.set_yticks([0, 0.5, 1] if c == 0 else [])
    _save(fig, path)


def plot_saliency(images: np.ndarray, maps: np.ndarray, predicted: np.ndarray,
                  path: Path) -> None:
    """Top: the images; bottom: gradient × input ``|x ⊙ ∂ŷ_c/∂x|``, brighter where a
    pixel's ink counts more for the answer."""
    n = len(images)
    fig = _figure(n * 1.6, 3.6)
    for i in range(n):
        ax = fig.add_subplot(2, n, i + 1)
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(_fig(N_("predicted {digit}")).format(digit=predicted[i]), fontsize=9)
        ax.set_axis_off()
        ax = fig.add_subplot(2, n, n + i + 1)
        ax.imshow(maps[i], cmap="hot")
        ax.set_axis_off()
    fig.suptitle(_fig(N_("Gradient × input: which strokes count most for the answer")),
                 fontsize=10)
    _save(fig, path)


def plot_adversarial(clean: np.ndarray, adversarial: np.ndarray, p_clean: np.ndarray,
                     p_adv: np.ndarray, y_true: np.ndarray, eps: float, path: Path) -> None:
    """Columns: clean image, FGSM twin, the perturbation between them."""
    n = len(clean)
    fig = _figure(6, n * 2.0)
    for i in range(n):
        for j, (img, title) in enumerate((
                (clean[i], _fig(N_("clean: {digit} ({p:.0%})")).format(
                    digit=p_clean[i].argmax(), p=p_clean[i].max())),
                (adversarial[i], _fig(N_("adversarial: {digit} ({p:.0%})")).format(
                    digit=p_adv[i].argmax(), p=p_adv[i].max())),
                (adversarial[i] - clean[i], _fig(N_("difference (±{eps:g})")).format(
                    eps=eps)))):
            ax = fig.add_subplot(n, 3, 3 * i + j + 1)
            if j < 2:
                ax.imshow(img, cmap="gray_r", vmin=0, vmax=1)
            else:
                ax.imshow(img, cmap="RdBu_r", vmin=-eps, vmax=eps)
            ax.set_title(title, fontsize=9, color="black" if j != 1 or
                         p_adv[i].argmax() == y_true[i] else "tab:red")
            ax.set_axis_off()
    fig.suptitle(_fig(N_("Fast gradient sign method, eps = {eps:g} (true labels: {labels})"))
                 .format(eps=eps, labels=", ".join(map(str, y_true))), fontsize=10)
    _save(fig, path)


def plot_conv_filters(kernel: np.ndarray, path: Path) -> None:
    """Each filter ``W[:, :, 0, f]`` of a ``(kh, kw, C, F)`` kernel, first input channel."""
    F = kernel.shape[-1]
    cols = min(F, 8)
    rows = int(np.ceil(F / cols))
    fig = _figure(cols * 1.0, rows * 1.0 + 0.5)
    for f in range(F):
        ax = fig.add_subplot(rows, cols, f + 1)
        w = kernel[:, :, 0, f]
        m = float(np.abs(w).max()) or 1.0
        ax.imshow(w, cmap="RdBu_r", vmin=-m, vmax=m)
        ax.set_axis_off()
    fig.suptitle(_fig(N_("First Conv2D layer: {filters} filters of {h}x{w} (red: positive, "
                         "blue: negative)")).format(filters=F, h=kernel.shape[0],
                                                    w=kernel.shape[1]), fontsize=10)
    _save(fig, path)


def plot_feature_maps(image: np.ndarray, maps: np.ndarray, path: Path) -> None:
    """The input image and each channel of the first Conv2D layer's output ``a``."""
    F = maps.shape[-1]
    cols = min(F + 1, 9)
    rows = int(np.ceil((F + 1) / cols))
    fig = _figure(cols * 1.1, rows * 1.2 + 0.4)
    ax = fig.add_subplot(rows, cols, 1)
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(_fig(N_("input")), fontsize=8)
    ax.set_axis_off()
    for f in range(F):
        ax = fig.add_subplot(rows, cols, f + 2)
        ax.imshow(maps[:, :, f], cmap="viridis")
        ax.set_axis_off()
    fig.suptitle(_fig(N_("Feature maps of the first Conv2D layer for one test image")),
                 fontsize=10)
    _save(fig, path)


# -- the page ---------------------------------------------------------------------------------
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC",
       "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
img { max-width: 100%; border: 1px solid #eee; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.note { color: #666; } td, th { padding: 0.2em 0.8em; text-align: left; }
"""


def _section(title: str, text: str, image: str | None) -> str:
    parts = [f"<h2>{html.escape(title)}</h2>", f"<p>{text}</p>"]
    if image:
        parts.append(f'<img src="{html.escape(image)}" alt="{html.escape(title)}">')
    return "\n".join(parts)


def _first_dense_on_pixels(model):
    for layer in model.layers:
        if isinstance(layer, Dense):
            return layer if layer.W.shape[0] == 784 else None
        if layer.params:  # a conv layer comes first: its weights are drawn instead
            return None
    return None


def _first_conv(model):
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            return layer
    return None


def _load_test_set(model, limit: int | None):
    from .datasets import mnist
    from .imaging import to_model_input

    _, (x_test, y_test) = mnist.load_data()
    if limit:
        x_test, y_test = x_test[:limit], y_test[:limit]
    return to_model_input(model, x_test.astype(np.float32) / 255.0), y_test


def write_report(model, out_dir: str | os.PathLike, history=None, x_test=None, y_test=None,
                 limit: int | None = None, title: str | None = None) -> Path:
    """Write ``out_dir/index.html`` and its PNG pictures for an MNIST classifier.

    Args:
        model: a trained ``Sequential`` with 10 softmax outputs (a compiled one also gets
            its test loss reported).
        out_dir: created if missing; existing report files in it are replaced.
        history: ``model.fit``'s ``History`` (or its ``.history`` dict) for the training
            curves; without it the page says how to get them.
        x_test, y_test: test images in ``[0, 1]`` and labels; default: MNIST's test set
            (its first ``limit`` images when ``limit`` is given).
        title: the page's heading; default "glassnet model report", in the messages'
            language.

    Returns the path of ``index.html``.
    """
    _matplotlib()  # fail before any work when matplotlib is missing
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if x_test is None:
        x_test, y_test = _load_test_set(model, limit)
    elif y_test is None:
        raise ValueError(_("write_report got x_test without y_test: pass both, or neither "
                           "to use MNIST's test set."))
    x_test = np.asarray(x_test, dtype=np.float32)
    y_test = np.asarray(y_test).reshape(-1).astype(np.intp)
    history = _history_dict(history)
    sections: list[str] = []
    facts: dict[str, Any] = {}

    probs = model.predict(x_test, verbose=0)
    predicted = probs.argmax(axis=-1)
    facts[_("test images")] = len(y_test)
    facts[_("test accuracy")] = f"{np.mean(predicted == y_test):.4f}"
    if model.loss is not None:
        logs = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
        facts[_("test loss")] = f"{logs['loss']:.4f}"
    facts[_("parameters")] = f"{model.count_params():,}"

    # 1. training curves
    if history and "loss" in history:
        plot_curves(history, out / "curves.png")
        epochs = len(history["loss"])
        val = "" if "val_loss" in history else " " + _(
            "There is no validation curve: train with <code>--validation-split 0.1</code> "
            "to hold out data the model does not learn from.")
        sections.append(_section(
            _("Training curves"),
            _("Loss and accuracy after each of the {epochs} epochs. The training loss is what "
              "gradient descent lowers; the validation loss, on held-out images, shows whether "
              "the model also improves on data it never saw (when it rises while the training "
              "loss keeps falling, the model is overfitting).").format(epochs=epochs) + val,
            "curves.png"))
    else:
        sections.append(_section(
            _("Training curves"),
            '<span class="note">' + _(
                "Not available: the curves need the training history. "
                "<code>glassnet train --report DIR</code> records it (DIR/history.json); "
                "<code>glassnet report MODEL DIR --history FILE</code> reads it.") + "</span>",
            None))

    images = _as_images(x_test)

    # 2. what the first layer looks for
    dense = _first_dense_on_pixels(model)
    if dense is not None:
        units = plot_first_layer(dense.W, out / "weights.png")
        sections.append(_section(
            _("First layer weights"),
            _("Each small picture is one hidden unit of layer <code>{layer}</code>: its 784 "
              "weights laid out as the 28x28 image they multiply in <code>z = xW + b</code>. "
              "A unit's <code>z</code> is large when the ink falls on its red pixels and not "
              "on its blue ones. ({units} units shown.)").format(
                  layer=html.escape(dense.name), units=units), "weights.png"))
    conv = _first_conv(model)
    if conv is not None:
        plot_conv_filters(np.asarray(conv.params["kernel"]), out / "conv_filters.png")
        sections.append(_section(
            _("First convolution filters"),
            _("The {filters} filters of <code>{layer}</code>. Each slides over the image; "
              "where the image looks like the filter, the output is large.").format(
                  filters=conv.params["kernel"].shape[-1], layer=html.escape(conv.name)),
            "conv_filters.png"))
        maps = _feature_maps(model, conv, x_test[:1])
        if maps is not None and images is not None:
            plot_feature_maps(images[0], maps[0], out / "feature_maps.png")
            sections.append(_section(
                _("Feature maps"),
                _("The output of the first convolution for one test image, one map per "
                  "filter: each one highlights a different kind of stroke or edge."),
                "feature_maps.png"))

    # 3. confusion matrix
    k = probs.shape[-1]
    cm = np.zeros((k, k), np.int64)
    np.add.at(cm, (y_test, predicted), 1)
    plot_confusion(cm, out / "confusion.png")
    pairs = [(cm[i, j], i, j) for i in range(k) for j in range(k) if i != j]
    top = sorted(pairs, reverse=True)[:3]
    mixup = _("{true} taken for {said} ({n} times)")
    mixups = ", ".join(mixup.format(true=i, said=j, n=n) for n, i, j in top if n > 0)
    sections.append(_section(
        _("Confusion matrix"),
        _("Row: the true digit; column: the model's answer. Everything off the diagonal is a "
          "mistake. Most frequent mix-ups: {mixups}.").format(mixups=mixups or _("none")),
        "confusion.png"))

    # 4. the most confident mistakes
    wrong = np.flatnonzero(predicted != y_test)
    if images is not None and len(wrong):
        worst = wrong[np.argsort(-probs[wrong].max(axis=-1))][:10]
        plot_wrong(images[worst], y_test[worst], probs[worst], out / "wrong.png")
        sections.append(_section(
            _("Most confident mistakes"),
            _("The {shown} test images the model gets wrong with the highest confidence, out "
              "of {mistakes} mistakes. Under each, the 10 output probabilities: red for the "
              "model's answer, green for the true digit. Some are badly written; others show "
              "what the model has not learned.").format(shown=len(worst), mistakes=len(wrong)),
            "wrong.png"))

    # 5. saliency
    if images is not None:
        pick = np.arange(min(8, len(x_test)))
        maps = ginspect.saliency(model, x_test[pick], method="gradient_x_input")
        plot_saliency(images[pick], maps.reshape(len(pick), 28, 28), predicted[pick],
                      out / "saliency.png")
        sections.append(_section(
            _("Saliency maps"),
            _("Gradient × input, <code>|x ⊙ ∂ŷ_c/∂x|</code> (<code>glassnet.inspect.saliency("
              "model, x, method=\"gradient_x_input\")</code>): each pixel's ink times the "
              "gradient of the predicted class's probability, its first-order share of the "
              "answer. Blank pixels are 0, so the map lies on the strokes and shows which of "
              "them count most. The plain gradient <code>|∂ŷ_c/∂x|</code> (the default "
              "method) says which pixels' change would move the answer most, and for a dense "
              "network it is spread over the whole image, background included. This is one "
              "answer to the question <em>why did the model say that?</em>"), "saliency.png"))

    # 6. adversarial examples
    if images is not None and model.loss is not None:
        found = _adversarial_examples(model, x_test, y_test, predicted)
        if found is not None:
            eps, idx, x_adv, p_adv, fooled = found
            plot_adversarial(images[idx], _as_images(x_adv), probs[idx], p_adv, y_test[idx],
                             eps, out / "adversarial.png")
            fact = _("accuracy under FGSM, eps={eps:g} ({n} test images)")
            facts[fact.format(eps=eps, n=len(y_test))] = f"{fooled:.4f}"
            sections.append(_section(
                _("Adversarial examples"),
                _("Each pixel moved by at most {eps:g} in the direction that raises the loss "
                  "(the fast gradient sign method, <code>glassnet.inspect.fgsm</code>). To a "
                  "person the digit is unchanged; the model changes its answer. On all {n} "
                  "test images of this report, accuracy falls to {accuracy:.2%} at this eps "
                  "(the same images and number as <code>glassnet robustness MODEL --eps "
                  "{eps:g}</code>): security is one of deep learning's open problems.").format(
                      eps=eps, n=len(y_test), accuracy=fooled),
                "adversarial.png"))

    if history:
        (out / "history.json").write_text(json.dumps(history, indent=1))
    _write_html(model, out / "index.html", title or _("glassnet model report"), facts,
                sections)
    return out / "index.html"


def _feature_maps(model, conv, x: np.ndarray) -> np.ndarray | None:
    a = x
    for layer in model.layers:
        a = layer.forward(a, training=False)
        if layer is conv:
            return a if a.ndim == 4 else None
    return None


def _adversarial_examples(model, x, y, predicted, show: int = 4):
    """The smallest eps in a short list that fools the model on ``show`` right answers
    among the first 1,000 images, and the accuracy under it on all of ``x``."""
    n = min(len(x), 1000)
    right = np.flatnonzero(predicted[:n] == y[:n])
    if len(right) == 0:
        return None
    for eps in (0.05, 0.1, 0.15, 0.2, 0.3):
        x_adv = ginspect.fgsm(model, x[:n], y[:n], eps)
        p_adv = model.predict(x_adv, verbose=0)
        fooled = np.flatnonzero(p_adv.argmax(-1)[right] != y[right])
        if len(fooled) >= show or eps == 0.3:
            idx = right[fooled[:show]] if len(fooled) else right[:show]
            if n < len(x):  # the rest, as glassnet robustness attacks them
                rest = ginspect.fgsm(model, x[n:], y[n:], eps)
                right_rest = np.sum(model.predict(rest, verbose=0).argmax(-1) == y[n:])
            else:
                right_rest = 0
            accuracy = float((np.sum(p_adv.argmax(-1) == y[:n]) + right_rest) / len(x))
            return eps, idx, x_adv[idx], p_adv[idx], accuracy
    return None


def _write_html(model, path: Path, title: str, facts: dict, sections: list[str]) -> None:
    from .model_summary import summary_text

    rows = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                     for k, v in facts.items())
    chinese = language() == CHINESE
    note = html.escape(_("Written by glassnet. The pictures are the PNG files beside this page."))
    if chinese and chinese_font() is None:
        note += "<br>" + html.escape(_(
            "No Chinese font was found, so the pictures' labels are in English; install one "
            "(e.g. Noto Sans CJK: sudo apt install fonts-noto-cjk) to see them in Chinese."))
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if chinese else 'en'}">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="note">{note}</p>
<table>
{rows}
</table>
<h2>{html.escape(_("The model"))}</h2>
<pre>{html.escape(summary_text(model))}</pre>
{chr(10).join(sections)}
</body>
</html>
"""
    path.write_text(page, encoding="utf-8")
