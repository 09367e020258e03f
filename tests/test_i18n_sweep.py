"""The library's errors and warnings beyond the first 25 mistakes, in Chinese.

A sample of what a beginner meets in the layers, the tensor ops, saving and loading, the
image helpers and the datasets: with ``GLASSNET_LANG=zh`` the message is Chinese and still
names the user's own values and the code of the fix; with ``GLASSNET_LANG=en`` it is the
English text it always was; the exception's class is the same in both.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from test_i18n import _unwrapped_messages

import glassnet as gn
from glassnet import errors
from glassnet.layers import Conv2D, Dense, Dropout, Embedding, Input, MaxPooling2D, Reshape

L = gn.layers
CJK = re.compile(r"[\u4e00-\u9fff]")
PACKAGE = Path(gn.__file__).parent


def conv_on_images_without_channels():
    model = gn.Sequential([Input((8, 8)), Conv2D(2, 3)])
    return model


def reshape_that_loses_values():
    gn.Sequential([Input((6,)), Reshape((4, 2))])


def pooling_window_too_big():
    gn.Sequential([Input((2, 2, 1)), MaxPooling2D(pool_size=(3, 3))])


def embedding_index_out_of_range():
    model = gn.Sequential([Input((3,)), Embedding(5, 2)])
    model.predict(np.array([[1, 2, 7]]), verbose=0)


def matmul_of_mismatched_matrices():
    gn.matmul(gn.ones((2, 3)), gn.ones((4, 5)))


def a_tape_used_twice():
    x = gn.Variable(np.ones(3, np.float32))
    with gn.GradientTape() as tape:
        y = gn.reduce_sum(x * x)
    tape.gradient(y, x)
    tape.gradient(y, x)


def load_a_text_file_as_a_model(tmp_path):
    path = tmp_path / "notes.glassnet"
    path.write_text("these are my notes, not a model")
    gn.keras.models.load_model(str(path))


def save_into_a_folder(tmp_path):
    model = gn.Sequential([Input((2,)), Dense(1)])
    (tmp_path / "model.glassnet").mkdir()
    model.save(str(tmp_path / "model.glassnet"))


def a_blank_digit_photo(tmp_path):
    pil = pytest.importorskip("PIL.Image")
    path = tmp_path / "blank.png"
    pil.new("L", (40, 40), 255).save(path)
    from glassnet.imaging import load_digit

    load_digit(path)


# name: (program, exception class, code of the fix kept in the Chinese text, English text)
MISTAKES = {
    "Conv2D on images without a channel axis": (
        lambda tmp: conv_on_images_without_channels(), errors.InputError,
        ["x = x[..., np.newaxis]", "input_shape=(8, 8, 1)"], "the channel axis is missing"),
    "a Reshape that changes the number of values": (
        lambda tmp: reshape_that_loses_values(), ValueError, ["(batch, 6)", "(batch, 4, 2)"],
        "the number of values must stay the same"),
    "a pooling window larger than the image": (
        lambda tmp: pooling_window_too_big(), ValueError, ["3x3", "2x2", "padding='same'"],
        "window does not fit in inputs of 2x2 pixels"),
    "Dropout with a rate of 1.5": (
        lambda tmp: Dropout(1.5), ValueError, ["[0, 1)", "1.5"],
        "Dropout rate must be in [0, 1), got 1.5."),
    "an Embedding index beyond input_dim": (
        lambda tmp: embedding_index_out_of_range(), errors.InputError,
        ["input_dim=5", "input_dim=8"], "outside the valid range [0, 5)"),
    "tf.matmul of mismatched matrices": (
        lambda tmp: matmul_of_mismatched_matrices(), ValueError,
        ["(2, 3) @ (4, 5)", "transpose_b=True"], "Matrix size-incompatible for matmul"),
    "a non-persistent GradientTape used twice": (
        lambda tmp: a_tape_used_twice(), RuntimeError, ["tf.GradientTape(persistent=True)"],
        "A non-persistent GradientTape can only be used"),
    "load_model on a text file": (
        load_a_text_file_as_a_model, errors.ModelFileError, ["notes.glassnet"],
        "is not a glassnet model file"),
    "model.save onto a folder": (
        save_into_a_folder, IsADirectoryError, ["model.glassnet"],
        "a folder: give a file name to save to"),
    "a blank photo of a digit": (
        a_blank_digit_photo, errors.InputError, ["blank.png"],
        "no digit found: the image is blank"),
}


def outcome(program, tmp_path) -> tuple[type | None, str]:
    """The error's class and text, else the warnings' text."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            program(tmp_path)
        except Exception as err:  # noqa: BLE001
            return type(err), str(err)
    return None, "\n".join(str(w.message) for w in caught)


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_library_error_speaks_chinese_and_keeps_the_fix(name, monkeypatch, tmp_path):
    program, kind, fixes, _ = MISTAKES[name]
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    raised, text = outcome(program, tmp_path)
    assert raised is not None and issubclass(raised, kind), (raised, text)
    assert CJK.search(text), text
    for fix in fixes:
        assert fix in text, (fix, text)


@pytest.mark.parametrize("name", list(MISTAKES))
def test_the_same_error_in_english_is_unchanged(name, monkeypatch, tmp_path):
    program, kind, fixes, english = MISTAKES[name]
    monkeypatch.setenv("GLASSNET_LANG", "en")
    raised, text = outcome(program, tmp_path)
    assert raised is not None and issubclass(raised, kind), (raised, text)
    assert not CJK.search(text), text
    assert english in text, text
    for fix in fixes:
        assert fix in text, (fix, text)


def test_a_digit_at_the_edge_warns_in_chinese(monkeypatch):
    from glassnet.imaging import DigitImageWarning, prepare_digit

    image = np.zeros((40, 40), np.float32)
    image[5:30, 0:6] = 1.0  # a stroke that runs into the left edge
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    with pytest.warns(DigitImageWarning, match="数字碰到了图片的边缘"):
        prepare_digit(1.0 - image)


def test_the_glass_box_translates_a_layers_worded_formula(monkeypatch):
    """MaxPooling2D's formulas have words ("the maximum of each window"): explain prints
    them in Chinese, the math as it is."""
    from glassnet import inspect as gi

    gn.utils.set_random_seed(0)
    model = gn.Sequential([Input((4, 4, 1)), MaxPooling2D(), L.Flatten(),
                           Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    text = gi.explain(model, np.ones((1, 4, 4, 1)), [1], verbose=False).text
    assert "y = x 每个池化窗口中的最大值" in text and "dx = 每个窗口最大值处为 dy" in text
    assert "pool window" not in text


# Modules whose every error and warning message is wrapped in _() since this sweep (the
# first list is in test_i18n.py): a new message written there without _() fails here.
SWEPT_MODULES = [
    "saving.py", "files.py", "graph.py", "tensor.py", "tape.py",
    "initializers.py", "regularizers.py", "schedules.py", "constraints.py", "downloads.py",
    "keras_format.py", "serialization.py", "dataset.py", "sklearn.py", "export.py",
    "backend.py", "random.py", "utils.py", "models.py", "visualization.py",
    "ops/_core.py", "ops/array.py", "ops/math.py", "ops/nn.py", "ops/numpy_interop.py",
    "layers/_spatial.py", "layers/activations.py", "layers/augmentation.py", "layers/conv.py",
    "layers/conv1d.py", "layers/conv_transpose.py", "layers/dropout.py", "layers/embedding.py",
    "layers/feature_normalization.py", "layers/global_pooling.py", "layers/input.py",
    "layers/merge.py", "layers/normalization.py", "layers/padding.py", "layers/pooling.py",
    "layers/pooling1d.py", "layers/reshape.py", "layers/separable_conv.py",
    "layers/upsampling.py", "datasets/cifar.py", "datasets/cifar100.py",
    "datasets/fashion_mnist.py", "datasets/idx.py", "datasets/imdb.py", "datasets/reuters.py",
    "datasets/sequences.py", "datasets/splits.py", "datasets/california_housing.py",
    "preprocessing/from_directory.py", "preprocessing/image.py", "preprocessing/sequence.py",
    "preprocessing/text.py", "preprocessing/timeseries.py",
]


@pytest.mark.parametrize("module", SWEPT_MODULES)
def test_every_error_and_warning_of_a_swept_module_is_wrapped(module):
    assert _unwrapped_messages(PACKAGE / module) == []


def test_a_wrong_file_is_named_in_chinese(monkeypatch, tmp_path):
    from glassnet.filetype import describe

    png = tmp_path / "digit.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    (tmp_path / "model.glassnet").write_bytes(b"")
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    assert describe(png, "a glassnet model") == (
        f"{png} 是 PNG 图片，不是 glassnet 模型 — 是不是把参数的顺序弄反了？")
    assert describe(tmp_path / "modle.glassnet", "a glassnet model") == (
        f"没有这个文件：{tmp_path / 'modle.glassnet'} — 你是不是想用 "
        f"{tmp_path / 'model.glassnet'}？")
    assert describe(tmp_path, "a glassnet model").endswith(
        "是文件夹，不是 glassnet 模型；请给出它里面的文件")
    monkeypatch.setenv("GLASSNET_LANG", "en")
    assert describe(png, "a glassnet model") == (
        f"{png} is a PNG image, not a glassnet model — did you swap the arguments?")
