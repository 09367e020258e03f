"""Messages in Chinese: the catalogue, and the 25 most common beginner mistakes.

Each mistake is a small program as a beginner writes it. With ``GLASSNET_LANG=zh`` its
error, warning or printed line must be Chinese and still carry the code of the fix
(``Flatten()``, ``to_categorical``, ...); with ``GLASSNET_LANG=en`` it is the English text.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import string
import warnings
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import i18n
from glassnet.callbacks import Callback
from glassnet.layers import Dense, Input

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "glassnet"
PO = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "glassnet.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u4e00-\u9fff]")

rng = np.random.default_rng(0)
IMAGES = rng.random((12, 28, 28)).astype(np.float32)
LABELS = np.arange(12) % 10
FEATURES = rng.random((12, 4)).astype(np.float32)


def catalog_tool():
    """tools/catalog.py (a development tool, not part of the package)."""
    spec = importlib.util.spec_from_file_location("catalog", ROOT / "tools" / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def classifier(units: int = 10, loss: str = "sparse_categorical_crossentropy",
               activation: str = "softmax", inputs: int = 4):
    model = glassnet.Sequential([Input(shape=(inputs,)), Dense(8, activation="relu"),
                                 Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss)
    return model


def dense_first():
    model = glassnet.Sequential([Dense(16, activation="relu"), Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def empty_model():
    model = glassnet.Sequential()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


class NaNAfterFirstBatch(Callback):
    """Write NaN into the training data after the first batch (the data checks ran)."""

    def __init__(self, x):
        super().__init__()
        self.x = x

    def on_train_batch_end(self, batch, logs=None):
        self.x[...] = np.nan


class CtrlC(Callback):
    def on_train_batch_end(self, batch, logs=None):
        raise KeyboardInterrupt


def nan_loss():
    x = FEATURES.copy()
    classifier().fit(x, LABELS, batch_size=4, epochs=1, verbose=0,
                     callbacks=[NaNAfterFirstBatch(x)])


def two_inputs():
    a, b = Input(shape=(4,), name="pixels"), Input(shape=(2,), name="meta")
    out = Dense(10, activation="softmax")(glassnet.layers.Concatenate()([a, b]))
    model = glassnet.Model(inputs=[a, b], outputs=out)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def diverging():
    model = classifier()
    model.compile(optimizer=glassnet.optimizers.Adam(learning_rate=1e9),
                  loss="sparse_categorical_crossentropy")
    model.fit(FEATURES, LABELS, epochs=2, batch_size=4, verbose=0)


def misspelt_model_file():
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        classifier().save(Path(folder, "model.glassnet"))
        glassnet.keras.models.load_model(Path(folder, "modle.glassnet"))


# name: (program, pieces of the fix's code the message keeps in any language,
#        a phrase of the English message)
MISTAKES = {
    "images into a Dense first layer": (
        lambda: dense_first().fit(IMAGES, LABELS, verbose=0), ["Flatten()", "reshape"],
        "comes first: it would act on the last axis of each sample only"),
    "integer labels with categorical_crossentropy": (
        lambda: classifier(loss="categorical_crossentropy").fit(FEATURES, LABELS, verbose=0),
        ["to_categorical", "sparse_categorical_crossentropy"],
        "Shapes (None, 1) and (None, 10) are incompatible: y has shape (12,)"),
    "one-hot labels with sparse_categorical_crossentropy": (
        lambda: classifier().fit(FEATURES, np.eye(10)[LABELS], verbose=0),
        ["argmax(axis=1)", "loss='categorical_crossentropy'"],
        "y has shape (12, 10) and looks one-hot"),
    "a label beyond the last class": (
        lambda: classifier(units=9).fit(FEATURES, LABELS, verbose=0),
        ["Dense(10, activation='softmax')"],
        "Received a label value of 9 (at y[9]) which is outside the valid range of [0, 9)"),
    "labels counted from 1": (
        lambda: classifier().fit(FEATURES, np.arange(1, 13) % 10 + 1, verbose=0),
        ["y = y - 1"],
        "Your labels run from 1 to 10: they start at 1."),
    "negative labels": (
        lambda: classifier().fit(FEATURES, LABELS - 3, verbose=0), ["0, 1, 2"],
        "Class labels cannot be negative"),
    "fractional labels for sparse_categorical_crossentropy": (
        lambda: classifier().fit(FEATURES, LABELS + 0.5, verbose=0),
        ["loss='categorical_crossentropy'", "loss='mse'"],
        "y must hold whole-number class labels"),
    "two classes with one unit and sparse_categorical_crossentropy": (
        lambda: classifier(units=1, activation="sigmoid").fit(FEATURES, LABELS % 2, verbose=0),
        ["Dense(1, activation='sigmoid')", "loss='binary_crossentropy'"],
        "has 1 unit, but sparse_categorical_crossentropy needs one unit per class"),
    "binary labels 1 and 2": (
        lambda: classifier(1, "binary_crossentropy", "sigmoid").fit(
            FEATURES, LABELS % 2 + 1, verbose=0), ["y = y - 1"],
        "The labels start at 1: use y = y - 1."),
    "binary labels -1 and 1": (
        lambda: classifier(1, "binary_crossentropy", "sigmoid").fit(
            FEATURES, LABELS % 2 * 2 - 1, verbose=0), ["y = (y + 1) / 2"],
        "Map -1/1 to 0/1"),
    "many classes with binary_crossentropy": (
        lambda: classifier(1, "binary_crossentropy", "sigmoid").fit(
            FEATURES, LABELS, verbose=0), ["loss='sparse_categorical_crossentropy'"],
        "That looks like 10 classes"),
    "regression targets of the wrong shape": (
        lambda: classifier(1, "mse", "linear").fit(FEATURES, FEATURES[:, :2], verbose=0),
        ["(12, 1)"],
        "Shapes (None, 2) and (None, 1) are incompatible"),
    "unscaled 0-255 pixels": (
        lambda: dense_first().fit(IMAGES.reshape(12, -1) * 255, LABELS, verbose=0),
        ["x = x / 255.0"],
        "like raw pixel values"),
    "NaN in the inputs": (
        lambda: classifier().fit(np.where(FEATURES > 0.9, np.nan, FEATURES), LABELS, verbose=0),
        ["np.nan_to_num(x)", "np.isfinite(x)"],
        "NaN or infinite value(s)"),
    "too many features for the model": (
        lambda: classifier(inputs=3).fit(FEATURES, LABELS, verbose=0), ["input_shape="],
        "3 features per sample, but x has 4 features"),
    "images for a model built on flat vectors": (
        lambda: classifier(inputs=784).fit(IMAGES, LABELS, verbose=0),
        ["x = x.reshape(len(x), 784)", "Flatten()"],
        "The sizes agree (28x28 = 784 = 784 values per sample)"),
    "x and y of different lengths": (
        lambda: classifier().fit(FEATURES, LABELS[:10], verbose=0), ["(12, 4)", "(10,)"],
        "x and y have different numbers of samples: x has 12"),
    "ragged nested lists": (
        lambda: classifier().fit([[1, 2, 3, 4], [1, 2, 3]], [0, 1], verbose=0), ["3, 4"],
        "Its rows have different lengths: 3, 4."),
    "text labels": (
        lambda: classifier().fit(FEATURES, np.array(["cat", "dog"] * 6), verbose=0),
        ["<U3"],
        "y holds <U3 values, not numbers."),
    "fit without y": (lambda: classifier().fit(FEATURES, verbose=0), ["y"],
        "y is missing: pass an array."),
    "fit before compile": (
        lambda: glassnet.Sequential([Dense(10)]).fit(FEATURES, LABELS, verbose=0),
        ["model.compile(optimizer='adam', loss='sparse_categorical_crossentropy'"],
        "You must call compile() before fit() or evaluate()"),
    "compile without a loss": (
        lambda: glassnet.Sequential([Dense(10)]).compile(optimizer="adam"),
        ["loss='sparse_categorical_crossentropy'", "loss='mse'"],
        "compile needs a loss"),
    "a model without layers": (
        lambda: empty_model().fit(FEATURES, LABELS, verbose=0),
        ["model.add(glassnet.layers.Dense(10))"],
        "The model has no layers"),
    "build() without an input shape": (
        lambda: glassnet.Sequential([Dense(10)]).build(), ["input_shape=", "Input(shape="],
        "The model does not know its input shape yet"),
    "a misspelt optimizer": (
        lambda: glassnet.Sequential([Dense(10)]).compile(optimizer="adma", loss="mse"),
        ["'adam'"],
        "Unknown optimizer 'adma'. Did you mean 'adam'?"),
    "a misspelt loss": (
        lambda: classifier(loss="sparse_categorical_crossentropie"),
        ["'sparse_categorical_crossentropy'"],
        "Did you mean 'sparse_categorical_crossentropy'?"),
    "units that are not a positive integer": (lambda: Dense(0), ["0"],
        "Dense units must be a positive integer, got 0."),
    "a dict of inputs with a wrong key": (
        lambda: two_inputs().fit({"pixel": FEATURES, "meta": FEATURES[:, :2]}, LABELS,
                                 verbose=0), ["['pixels', 'meta']", "model.input_names"],
        "x is a dict whose key(s) ['pixel'] name no input of the model"),
    "the loss became NaN": (nan_loss, ["Adam(learning_rate=1e-4)", "terminate_on_nan=False"],
        "Training stopped: the loss became nan in epoch 1/1, batch 2/3."),
    "Ctrl-C during fit": (
        lambda: classifier().fit(FEATURES, LABELS, epochs=3, batch_size=4, verbose=0,
                                 callbacks=[CtrlC()]), ["initial_epoch=0"],
        "Training interrupted (KeyboardInterrupt) in epoch 1/3 after batch 1/3."),
    # issue 14's silent mistakes (tests/test_newcomer.py has their details)
    "epochs as a string": (
        lambda: classifier().fit(FEATURES, LABELS, epochs="5", verbose=0), ["epochs=5"],
        "epochs is the number of passes over the data, a whole number"),
    "epochs=0": (lambda: classifier().fit(FEATURES, LABELS, epochs=0, verbose=0),
        ["epochs=5", "History.history"], "trains for no epoch"),
    "a verbose word": (lambda: classifier().fit(FEATURES, LABELS, verbose="loud"),
        ["verbose='auto'"], "verbose='loud': use"),
    "validation_data=x_test alone": (
        lambda: classifier().fit(FEATURES, LABELS, verbose=0, validation_data=FEATURES),
        ["validation_data=(x_test, y_test)"], "validation_data must be a pair (x_val, y_val)"),
    "a function as a callback": (
        lambda: classifier().fit(FEATURES, LABELS, verbose=0, callbacks=[print]),
        ["LambdaCallback(on_epoch_end="], "callbacks holds print, which is not a Callback"),
    "softmax output with from_logits=True": (
        lambda: classifier(loss=glassnet.losses.SparseCategoricalCrossentropy(
            from_logits=True)).fit(FEATURES, LABELS, verbose=0),
        ["from_logits=False", "Dense(units)"], "does not represent logits"),
    "a negative learning rate": (lambda: glassnet.optimizers.Adam(learning_rate=-0.001),
        ["learning_rate=0.001"], "must be a positive number"),
    "a learning rate so large that training diverges": (diverging, ["0.001"],
        "training diverged"),
    "a misspelt model file name": (misspelt_model_file, ["model.glassnet"],
        "— did you mean"),
}


def message(program) -> str:
    """What the learner reads: the error, else the warnings, else nothing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(all="ignore"):
                program()
        except (Exception, KeyboardInterrupt) as err:  # noqa: BLE001
            return str(err)
    return "\n".join(str(w.message) for w in caught)


@pytest.fixture
def lang(monkeypatch):
    def use(value: str) -> None:
        monkeypatch.setenv("GLASSNET_LANG", value)
    return use


# -- the 25+ mistakes ----------------------------------------------------------------------
def test_the_list_holds_at_least_25_mistakes():
    assert len(MISTAKES) >= 25


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_beginner_mistake_is_explained_in_chinese(name, lang):
    program, fixes, _ = MISTAKES[name]
    lang("zh")
    text = message(program)
    assert CJK.search(text), text
    for fix in fixes:
        assert fix in text, (fix, text)


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_beginner_mistake_is_explained_in_english(name, lang):
    program, fixes, english = MISTAKES[name]
    lang("en")
    text = message(program)
    assert not CJK.search(text), text
    assert english in text, text
    for fix in fixes:
        assert fix in text, (fix, text)


def test_the_ctrl_c_line_is_chinese(lang, capsys):
    from glassnet.faults import InterruptGuard

    class Model:
        stop_training = False

    model = Model()
    guard = InterruptGuard(model)
    try:
        lang("zh")
        guard._handler(2, None)  # the first Ctrl-C: stop after the current step
    finally:
        guard.uninstall()
    out = capsys.readouterr().out
    assert model.stop_training and CJK.search(out) and "Ctrl-C" in out, out


def test_exception_classes_do_not_change_with_the_language(lang):
    program = MISTAKES["fit before compile"][0]
    kinds = []
    for value in ("en", "zh"):
        lang(value)
        with pytest.raises(glassnet.errors.NotCompiledError) as info:
            program()
        kinds.append(type(info.value))
    assert kinds[0] is kinds[1]


# -- choosing the language -----------------------------------------------------------------
@pytest.mark.parametrize("env, expected", [
    ({"GLASSNET_LANG": "zh"}, "zh_CN"),
    ({"GLASSNET_LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ({"GLASSNET_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL overrides LANG
    ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"),
    ({"LANGUAGE": "fr:zh_CN:en", "LANG": "fr_FR.UTF-8"}, "zh_CN"),  # no French catalogue
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_language_comes_from_glassnet_lang_then_the_locale(env, expected, monkeypatch):
    for var in ("GLASSNET_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert i18n.language() == expected


def test_windows_without_lang_uses_the_user_locale(monkeypatch):
    for var in ("GLASSNET_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(i18n, "system_locale", lambda: "zh-CN")
    assert i18n.language() == "zh_CN"
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # a variable that is set wins
    assert i18n.language() == "en"


def test_the_system_locale_is_read_on_windows_only():
    import sys

    assert (i18n.system_locale() == "") == (sys.platform != "win32")


def test_english_is_the_message_itself(lang):
    lang("en")
    text = "{what} is missing: pass an array."
    assert i18n._(text) is text
    lang("zh")
    assert i18n._(text) == "缺少 {what}：请传入一个数组。"
    assert i18n._("a message with no translation") == "a message with no translation"


def test_import_glassnet_does_not_load_gettext():
    import subprocess
    import sys

    code = "import sys, glassnet; print(sorted({'gettext', 'locale'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**__import__("os").environ, "GLASSNET_LANG": "zh"})
    assert out.stdout.strip() == "[]"


# -- the catalogue -------------------------------------------------------------------------
def test_every_message_in_the_source_has_a_translation_and_no_entry_is_stale():
    tool = catalog_tool()
    source = set(tool.extract())
    po = tool.read_po(PO)
    po.pop("")  # the header
    assert sorted(source - set(po)) == [], "messages without a translation"
    assert sorted(set(po) - source) == [], "stale entries: no longer in the source"
    assert [m for m, t in po.items() if not t] == [], "empty translations"


def test_the_mo_is_compiled_from_the_po():
    tool = catalog_tool()
    assert MO.read_bytes() == tool.mo_bytes(tool.read_po(PO)), "run python tools/catalog.py"
    import gettext

    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    for msgid, msgstr in tool.read_po(PO).items():
        if msgid:
            assert mo.gettext(msgid) == msgstr


def _fields(text: str) -> set[tuple]:
    return {(field, spec, conversion)
            for _, field, spec, conversion in string.Formatter().parse(text)
            if field is not None}


def _percent_fields(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sr]|%[sr]", text))


def test_translations_are_chinese_and_keep_the_placeholders():
    tool = catalog_tool()
    for msgid, msgstr in tool.read_po(PO).items():
        if not msgid:
            continue
        assert CJK.search(msgstr), msgid
        assert _fields(msgstr) == _fields(msgid), (msgid, msgstr)
        assert _percent_fields(msgstr) == _percent_fields(msgid), (msgid, msgstr)  # argparse's
        # the code a message quotes is kept: every `name(` and `name=` of the English
        # (not the plural "(s)" of "value(s)", "class(es)")
        for code in set(re.findall(r"[A-Za-z_][\w.]*\((?!e?s\))|[a-z_]+=", msgid)):
            assert code in msgstr, (code, msgid, msgstr)


def test_the_catalogue_ships_in_the_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = data["package-data"]["glassnet"]
    for path in (PO, MO):
        relative = path.relative_to(PACKAGE)
        assert any(relative.match(p) for p in patterns), (relative, patterns)


# Modules whose every error and warning message is wrapped in _(): a new message written
# there without _() (or without a translation, see above) fails here.
TRANSLATED_MODULES = [
    "validation.py", "data.py", "errors.py", "faults.py", "model.py", "optimizers.py",
    "losses.py", "activations.py", "metrics.py", "callbacks.py", "layers/base.py",
    "layers/dense.py", "inspect.py", "report.py", "fit_arguments.py",
]
_WARNERS = {"warn", "warn_once", "_warn_once", "warn_once_as"}


def _literal_text(node) -> bool:
    """A message written in place: an f-string, a string with a space, or a sum with one."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and " " in node.value
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) or _literal_text(node.right)
    return False


def _unwrapped_messages(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        call = None
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
        elif isinstance(node, ast.Call) and getattr(
                node.func, "attr", getattr(node.func, "id", None)) in _WARNERS:
            call = node
        if call is not None and any(_literal_text(arg) for arg in call.args):
            found.append(f"{path.name}:{node.lineno}")
    return found


@pytest.mark.parametrize("module", TRANSLATED_MODULES)
def test_every_error_and_warning_of_a_translated_module_is_wrapped(module):
    assert _unwrapped_messages(PACKAGE / module) == []


def test_argparse_speaks_the_language_of_the_messages(lang, capsys):
    import argparse

    def build():
        parser = argparse.ArgumentParser(prog="glassnet")
        parser.add_argument("command", choices=["train", "evaluate"])
        return parser

    lang("zh")
    with i18n.ArgparseLanguage():  # section titles are set when the parser is made
        parser = build()
        parser.print_help()
        with pytest.raises(SystemExit):
            parser.parse_args(["命令"])
    out, err = capsys.readouterr()
    assert "用法：" in out and "位置参数" in out and "显示这条帮助信息并退出" in out, out
    assert "无效的选择：'命令'" in err and "'train', 'evaluate'" in err, err
    build().print_help()  # after the block: argparse's own words again
    assert "usage: glassnet" in capsys.readouterr().out


def _shadowing(tree: ast.AST) -> list[str]:
    """Functions that both assign the name ``_`` (``x, _ = ...``) and call ``_()``: there
    the call would find the assigned value, not the translation."""
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        stores = calls = 0
        todo = list(ast.iter_child_nodes(fn))
        while todo:
            node = todo.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp,
                                 ast.GeneratorExp)):
                continue  # their own scopes (a comprehension's `for _ in` is harmless)
            if isinstance(node, ast.Name) and node.id == "_":
                stores += isinstance(node.ctx, ast.Store)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "_":
                calls += 1
            todo.extend(ast.iter_child_nodes(node))
        if stores and calls:
            found.append(f"{fn.name}:{fn.lineno}")
    return found


def test_no_function_hides_the_translation_function_behind_a_variable():
    assert _shadowing(ast.parse("def f():\n    a, _ = g()\n    return _('x')\n")) == ["f:1"]
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "import _" in text:
            assert _shadowing(ast.parse(text)) == [], path
