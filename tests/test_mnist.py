"""The bundled MNIST, and networks trained on it end to end.

The end-to-end tests train the tutorial's 784-128-10 network, and the convnet of
examples/mnist_cnn.py, for 5 epochs (the slowest tests of the suite). Their seed is fixed
(``SEED``, chosen before looking at any result) so that the test is repeatable; the
accuracy spread across seeds is recorded in docs/testing.md and docs/convnet.md.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import re
import runpy
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet.datasets import mnist

ROOT = Path(__file__).resolve().parents[1]
SEED = 0
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
DESIGN_SHA256 = {  # from DESIGN.md, the published files
    "train-images-idx3-ubyte.gz":
        "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "train-labels-idx1-ubyte.gz":
        "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
    "t10k-images-idx3-ubyte.gz":
        "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
    "t10k-labels-idx1-ubyte.gz":
        "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
}


@pytest.fixture(scope="module")
def data():
    return mnist.load_data()


def test_shapes_dtypes_and_label_counts(data):
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert all(a.dtype == np.uint8 for a in (x_train, y_train, x_test, y_test))
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert x_train.min() == 0 and x_train.max() == 255
    # the first training image is a 5, as in every copy of MNIST
    assert y_train[0] == 5 and y_test[0] == 7
    assert glassnet.keras.datasets.mnist.load_data is mnist.load_data


def test_bundled_files_are_the_published_ones():
    assert mnist.FILES == DESIGN_SHA256
    for name, sha in DESIGN_SHA256.items():
        assert hashlib.sha256((mnist.DATA_DIR / name).read_bytes()).hexdigest() == sha


def _copy(tmp_path: Path, ungzip: bool = False) -> Path:
    for name in mnist.FILES:
        if ungzip:
            (tmp_path / name[:-3]).write_bytes(gzip.decompress((mnist.DATA_DIR / name)
                                                               .read_bytes()))
        else:
            shutil.copy(mnist.DATA_DIR / name, tmp_path / name)
    return tmp_path


def _tamper(file: Path, offset: int = -1) -> None:
    raw = bytearray(file.read_bytes())
    raw[offset] ^= 0x01
    file.write_bytes(bytes(raw))


def test_load_data_from_a_folder(tmp_path, data):
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=_copy(tmp_path))
    np.testing.assert_array_equal(y_test, data[1][1])
    np.testing.assert_array_equal(x_train[:100], data[0][0][:100])


def test_load_data_from_ungzipped_files(tmp_path, data):
    folder = _copy(tmp_path, ungzip=True)
    assert not list(folder.glob("*.gz"))
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=str(folder))
    for got, want in zip((x_train, y_train, x_test, y_test),
                         (*data[0], *data[1])):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("ungzip", [False, True], ids=["gz", "ungzipped"])
@pytest.mark.parametrize("name", ["t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz"])
def test_a_corrupted_copy_is_rejected(tmp_path, name, ungzip):
    """One flipped bit anywhere (here: in a label or a pixel, so the file still parses)."""
    folder = _copy(tmp_path, ungzip)
    _tamper(folder / (name[:-3] if ungzip else name), offset=-1 if ungzip else 100)
    with pytest.raises(OSError, match="SHA-256"):
        mnist.load_data(path=folder)


def test_a_truncated_copy_is_rejected(tmp_path):
    folder = _copy(tmp_path, ungzip=True)
    file = folder / "t10k-labels-idx1-ubyte"
    file.write_bytes(file.read_bytes()[:-10])
    with pytest.raises(OSError):
        mnist.load_data(path=folder)


# ----------------------------------------------------------------------------- end to end
def _accuracy(model, x_test, y_test) -> float:
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert np.isfinite(loss)
    return float(accuracy)


def test_tutorial_program_reaches_97_5_percent():
    """examples/first_neural_network.py exactly as shipped (the tutorial's code with
    ``import glassnet as tf``), run in this process after seeding."""
    glassnet.utils.set_random_seed(SEED)
    out = io.StringIO()
    with redirect_stdout(out):
        namespace = runpy.run_path(str(ROOT / "examples" / "first_neural_network.py"),
                                   run_name="__main__")
    text = out.getvalue()
    assert re.findall(r"^Epoch (\d)/5$", text, re.M) == ["1", "2", "3", "4", "5"]
    assert "\r" not in text
    lines = [line for line in text.splitlines() if line.startswith("1875/1875 ")]
    assert len(lines) == 5, text
    model = namespace["model"]
    assert model.count_params() == 101_770
    accuracy = _accuracy(model, namespace["x_test"], namespace["y_test"])
    # the evaluate line the program printed shows the same number
    assert f"accuracy: {accuracy:.4f}" in text.splitlines()[-1]
    print(f"tutorial test accuracy (seed {SEED}): {accuracy:.4f}")
    assert accuracy >= 0.975


def test_tutorial_short_form_without_flatten_reaches_97_5_percent(data):
    """The tutorial's own code: no Flatten, no input shape, images reshaped to (n, 784)."""
    import glassnet as tf

    (x_train, y_train), (x_test, y_test) = data
    x_train = x_train.reshape(60000, 784) / 255.0
    x_test = x_test.reshape(10000, 784) / 255.0
    glassnet.utils.set_random_seed(SEED)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dense(10, activation='softmax')
    ])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    history = model.fit(x_train, y_train, epochs=5, verbose=0)
    assert history.history["loss"] == sorted(history.history["loss"], reverse=True)
    accuracy = _accuracy(model, x_test, y_test)
    print(f"short-form test accuracy (seed {SEED}): {accuracy:.4f}")
    assert accuracy >= 0.975


def test_convnet_example_after_5_epochs(monkeypatch, photo_accuracy):
    """examples/mnist_cnn.py as shipped: Keras's classic convnet, Adam with a cosine decay
    from 0.004, batch 128, 5 epochs, seed 0 (its default).

    On the 2-core development machine it scored 99.00 % (seeds 1 and 2: 99.12 % and
    99.13 %). The bar is 98.9 %, a little under, because float32 rounding (BLAS kernels, the
    split of each batch between threads) differs between machines and moves the result by a
    few images. The bar still fails Adam's constant default rate, which gave 98.73-98.84 %
    (docs/convnet.md). Two threads share each batch, as on the development machine.

    The same convnet then reads the 48 phone photos of tests/data/photos (docs/
    photo_accuracy.py, issue 14's bar: at least 95% right with the convnet); a convnet
    trained for this alone would cost minutes, reading the photos costs a few seconds.
    """
    from glassnet.layers import _parallel

    monkeypatch.setattr(_parallel, "WORKERS", 2)
    monkeypatch.setattr("sys.argv", ["mnist_cnn.py"])
    out = io.StringIO()
    with redirect_stdout(out):
        namespace = runpy.run_path(str(ROOT / "examples" / "mnist_cnn.py"), run_name="__main__")
    model = namespace["model"]
    assert model.optimizer.schedule.initial_learning_rate == 0.004
    assert model.optimizer.iterations == 5 * 469 and model.optimizer.learning_rate < 1e-8
    accuracy = _accuracy(model, namespace["x_test"], namespace["y_test"])
    assert f"test accuracy {accuracy:.4f}" in out.getvalue()
    print(f"convnet test accuracy (seed 0): {accuracy:.4f}")
    assert accuracy >= 0.989
    if importlib.util.find_spec("PIL") is None:
        pytest.skip("Pillow is not installed: the phone photos are not read")
    right, wrong = photo_accuracy.accuracy(model)
    print(f"convnet on the phone photos: {right:.1%} right; wrong: {wrong}")
    assert right >= 0.95, wrong
