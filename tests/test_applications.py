"""``keras.applications``: VGG16/19, ResNet50 and MobileNetV2 against Keras 3.

``tests/data/keras_refs/applications.npz`` was written by real Keras 3.15 (torch backend) with
``tests/keras_reference/make_applications_refs.py``: each network built with
``weights=None``, given the seeded NumPy weights of ``applications_weights.draw``, and run on
a seeded random image after its own ``preprocess_input``. glassnet builds the same network,
sets the same weights by layer name, and must give the same layer names, parameter count,
preprocessed input and output. The ImageNet download path is exercised against a local HTTP
server (tests never touch the internet).
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet.errors import DownloadError

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "keras_reference"))
import applications_weights as W  # noqa: E402

REF = np.load(HERE / "data" / "keras_refs" / "applications.npz")
apps = glassnet.keras.applications


def _names(names) -> list[str]:
    """Layer names with the counter of auto-named layers dropped (input_layer_3)."""
    return [re.sub(r"^((input_layer|global_\w+pooling2d))_\d+$", r"\1", str(n)) for n in names]


def _same_layers(model, keras_names) -> None:
    """Keras's layer names, in Keras's order; ResNet's in another order within a block
    (Keras lists a graph's layers by depth from the output, glassnet in call order)."""
    mine, theirs = _names(la.name for la in model.layers), _names(keras_names)
    if model.name.startswith("resnet"):
        mine, theirs = sorted(mine), sorted(theirs)
    assert mine == theirs


def _set_drawn_weights(model, seed: int = 0) -> None:
    shapes = {la.name: [tuple(w.shape) for w in la.weights] for la in model.layers
              if la.weights}
    bn = {la.name for la in model.layers if type(la).__name__ == "BatchNormalization"}
    arrays = W.draw(shapes, bn, seed)
    for la in model.layers:
        if la.name in arrays:
            la.set_weights(arrays[la.name])


@pytest.mark.parametrize("case", list(W.CASES))
def test_matches_keras(case):
    module, ctor, kwargs, batch = W.CASES[case]
    mod = getattr(apps, module)
    model = getattr(mod, ctor)(weights=None, **kwargs)
    _same_layers(model, REF[f"{case}/names"])
    assert model.count_params() == int(REF[f"{case}/params"])
    assert model.name == str(REF[f"{case}/model_name"])
    x = mod.preprocess_input(W.image((batch, *kwargs["input_shape"])))
    np.testing.assert_allclose(x, REF[f"{case}/x"], rtol=1e-6, atol=1e-4)
    _set_drawn_weights(model)
    y, want = model.predict(x, verbose=0), REF[f"{case}/y"]
    assert y.shape == want.shape
    np.testing.assert_allclose(y, want, rtol=1e-3, atol=1e-4 * np.abs(want).max())


@pytest.mark.parametrize("ctor", ["ResNet50", "MobileNetV2"])
def test_full_networks_count_and_names(ctor):
    """With the classifier: Keras's parameter count (ResNet50 25,636,712; MobileNetV2
    3,538,984) and layer names."""
    model = getattr(apps, ctor)(weights=None)
    assert model.count_params() == int(REF[f"{ctor}/params"])
    _same_layers(model, REF[f"{ctor}/names"])
    assert model.output_shape == (None, 1000)


def test_vgg_full_networks_count_and_names():
    """VGG16 with its classifier (138,357,544 parameters: one 550 MB build), and VGG19's
    layer names and count from its convolutions plus the same classifier."""
    model = apps.VGG16(weights=None)
    assert model.count_params() == int(REF["VGG16/params"]) == 138_357_544
    assert _names(la.name for la in model.layers) == _names(REF["VGG16/names"])
    top = sum(la.count_params() for la in model.layers if la.name in ("fc1", "fc2",
                                                                        "predictions"))
    del model
    with pytest.warns(UserWarning, match=r"becomes \(224, 224, 3\)"):
        convs = apps.VGG19(weights=None, include_top=False)
    assert convs.count_params() + top == int(REF["VGG19/params"]) == 143_667_240
    assert [la.name for la in convs.layers][1:] == list(REF["VGG19/names"])[1:-4]


def test_import_is_lazy_and_keras_paths_work():
    code = ("import sys, glassnet; assert 'glassnet.applications' not in sys.modules; "
            "from glassnet.keras.applications import VGG16, ResNet50; "
            "from glassnet.keras.applications.mobilenet_v2 import preprocess_input; "
            "from glassnet.keras.applications.imagenet_utils import decode_predictions; "
            "import glassnet as tf; assert tf.keras.applications.VGG16 is VGG16; "
            "assert tf.keras.applications.resnet50.ResNet50 is ResNet50; "
            "assert tf.keras.applications.resnet.ResNet50 is ResNet50; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__("os").environ,
                              "PYTHONPATH": str(HERE.parent / "src")})
    assert out.stdout.strip() == "ok", out.stderr


def test_preprocess_modes():
    x = np.array([[[0.0, 127.5, 255.0]]], np.float32)  # one pixel, RGB
    u = apps.imagenet_utils
    np.testing.assert_allclose(apps.mobilenet_v2.preprocess_input(x), [[[-1, 0, 1]]])
    np.testing.assert_allclose(apps.vgg16.preprocess_input(x),
                               [[[255 - 103.939, 127.5 - 116.779, 0 - 123.68]]], rtol=1e-6)
    np.testing.assert_allclose(u.preprocess_input(x, mode="torch"),
                               [[[(0 - .485) / .229, (.5 - .456) / .224, (1 - .406) / .225]]],
                               rtol=1e-5)
    first = u.preprocess_input(x.transpose(2, 0, 1), data_format="channels_first")
    np.testing.assert_allclose(first.transpose(1, 2, 0), u.preprocess_input(x), rtol=1e-6)
    assert x[0, 0, 0] == 0.0  # the input is not overwritten
    ints = u.preprocess_input(np.full((2, 3), 255, np.uint8), mode="tf")
    assert ints.dtype == np.float32 and (ints == 1).all()
    with pytest.raises(ValueError, match="mode"):
        u.preprocess_input(x, mode="pytorch")
    with pytest.raises(ValueError, match="3 colour channels"):
        u.preprocess_input(np.zeros((1, 4, 4, 1)))


@pytest.mark.parametrize("module", ["vgg16", "mobilenet_v2"])
def test_preprocess_as_layers_in_a_model(module):
    """TensorFlow's transfer-learning tutorial calls preprocess_input on ``Input``."""
    mod = getattr(apps, module)
    inputs = glassnet.keras.Input(shape=(5, 5, 3))
    model = glassnet.keras.Model(inputs, mod.preprocess_input(inputs))
    x = W.image((2, 5, 5, 3))
    np.testing.assert_allclose(model.predict(x, verbose=0), mod.preprocess_input(x),
                               rtol=1e-5, atol=1e-4)


def test_decode_predictions(monkeypatch):
    u = apps.imagenet_utils
    monkeypatch.setattr(u, "_class_index", {str(i): [f"n{i:08d}", f"class{i}"]
                                            for i in range(1000)})
    p = np.zeros((2, 1000), np.float32)
    p[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
    p[1, 42] = 1.0
    got = apps.vgg16.decode_predictions(p, top=3)
    assert got[0] == [("n00000007", "class7", 0.5), ("n00000003", "class3", pytest.approx(0.3)),
                      ("n00000999", "class999", pytest.approx(0.2))]
    assert got[1][0] == ("n00000042", "class42", 1.0) and len(got[1]) == 3
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        u.decode_predictions(np.zeros((1, 10)))


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"\(224, 224, 3\)"):
        apps.VGG16(input_shape=(64, 64, 3))  # ImageNet classifier: before any download
    with pytest.raises(ValueError, match="at least 32x32"):
        apps.ResNet50(weights=None, include_top=False, input_shape=(31, 64, 3))
    with pytest.raises(ValueError, match="classes=10"):
        apps.VGG19(classes=10)
    with pytest.raises(ValueError, match="weights="):
        apps.VGG16(weights=str(tmp_path / "nope.h5"))
    with pytest.raises(ValueError, match="pooling='median'"):
        apps.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3),
                         pooling="median")
    with pytest.raises(ValueError, match="alpha=0.6"):
        apps.MobileNetV2(alpha=0.6, include_top=False, input_shape=(96, 96, 3))
    with pytest.raises(ValueError, match="classifier_activation"):
        apps.MobileNetV2(classifier_activation="sigmoid", input_shape=(96, 96, 3))


def test_feature_extraction_guide():
    """keras.io's functional-API guide: every layer's output of VGG19 as a model."""
    vgg19 = apps.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3))
    features = [layer.output for layer in vgg19.layers]
    extractor = glassnet.keras.Model(inputs=vgg19.input, outputs=features)
    out = extractor(np.random.default_rng(0).random((1, 32, 32, 3)).astype("float32"))
    assert len(out) == 22 and tuple(out[-1].shape) == (1, 1, 1, 512)


def test_transfer_learning_frozen_base():
    """The tutorial's shape: a frozen base called with training=False, a new head, fit."""
    base = apps.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False,
                            weights=None)
    base.trainable = False
    inputs = glassnet.keras.Input(shape=(32, 32, 3))
    x = apps.mobilenet_v2.preprocess_input(inputs)
    x = base(x, training=False)
    x = glassnet.keras.layers.GlobalAveragePooling2D()(x)
    model = glassnet.keras.Model(inputs, glassnet.keras.layers.Dense(1)(x))
    model.compile(optimizer="adam", loss=glassnet.keras.losses.BinaryCrossentropy(
        from_logits=True))
    before = [w.copy() for w in base.get_weights()]
    x_train, y_train = W.image((4, 32, 32, 3)), np.array([0, 1, 0, 1], np.float32)
    model.fit(x_train, y_train, epochs=1, batch_size=4, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights()))
    assert model.count_params() - base.count_params() == 1280 + 1


# -- weights files and the ImageNet download --------------------------------------------------
@pytest.fixture
def server(tmp_path, monkeypatch):
    """A local HTTP server for Keras's weights folder; KERAS_HOME in tmp_path."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(apps._builder, "KERAS_WEIGHTS_URL",
                        f"http://127.0.0.1:{httpd.server_address[1]}/")
    yield root
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_imagenet_weights_download_and_load(server, tmp_path):
    """weights='imagenet' fetches Keras's file name into ~/.keras/models and loads it
    (here a Keras 2 layer_names .h5 written by glassnet, the format of Keras's files)."""
    kwargs = dict(input_shape=(96, 96, 3), alpha=0.35, include_top=False)
    source = apps.MobileNetV2(weights=None, **kwargs)
    _set_drawn_weights(source, seed=5)
    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    (server / "mobilenet_v2").mkdir()
    source.save_weights(str(server / "mobilenet_v2" / name))
    loaded = apps.MobileNetV2(weights="imagenet", **kwargs)
    assert (tmp_path / "home" / "models" / name).exists()
    x = apps.mobilenet_v2.preprocess_input(W.image((1, 96, 96, 3)))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), source.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)
    again = apps.MobileNetV2(weights=str(tmp_path / "home" / "models" / name), **kwargs)
    np.testing.assert_array_equal(again.get_weights()[0], source.get_weights()[0])


def test_missing_weights_give_download_error(server):
    with pytest.raises(DownloadError, match="vgg16_weights_tf_dim_ordering_tf_kernels_notop"):
        apps.VGG16(include_top=False, input_shape=(32, 32, 3))


KERAS_PYTHON = "/work/kenv/bin/python"  # KENV.md: a throwaway Keras 3 venv


@pytest.mark.skipif(not Path(KERAS_PYTHON).exists(), reason="no Keras venv at /work/kenv")
def test_loads_files_keras_wrote(tmp_path):
    """Files Keras 3 saved with its own random weights load with weights=path and give
    Keras's predictions: MobileNetV2 (alpha 0.35) as ``.weights.h5``, and ResNet50 as a
    legacy whole-model ``.h5`` (layer_names in Keras's by-depth order, as in Keras's
    ImageNet files)."""
    code = (
        "import numpy as np, keras, sys\n"
        "A, d = keras.applications, sys.argv[1]\n"
        "x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype('float32')\n"
        "m = A.MobileNetV2(weights=None, include_top=False, alpha=0.35, "
        "input_shape=(32, 32, 3), pooling='avg')\n"
        "m.save_weights(d + '/m.weights.h5')\n"
        "r = A.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), "
        "pooling='max')\n"
        "r.save(d + '/r.h5')\n"
        "np.savez(d + '/io.npz', x=x, m=m.predict(x, verbose=0), r=r.predict(x, verbose=0))\n")
    env = {"KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run([KERAS_PYTHON, "-c", code, str(tmp_path)], check=True, env=env,
                   capture_output=True, timeout=120)
    io = np.load(tmp_path / "io.npz")
    m = apps.MobileNetV2(weights=str(tmp_path / "m.weights.h5"), include_top=False,
                         alpha=0.35, input_shape=(32, 32, 3), pooling="avg")
    np.testing.assert_allclose(m.predict(io["x"], verbose=0), io["m"], rtol=1e-4, atol=1e-5)
    r = apps.ResNet50(weights=str(tmp_path / "r.h5"), include_top=False,
                      input_shape=(32, 32, 3), pooling="max")
    np.testing.assert_allclose(r.predict(io["x"], verbose=0), io["r"], rtol=1e-4,
                               atol=1e-5 * np.abs(io["r"]).max())


def test_legacy_h5_in_another_layer_order(tmp_path):
    """Keras lists a graph's layers by depth from the output (ResNet's ``_0_conv`` after
    ``_2_relu``), glassnet depth-first; a Keras 2 ``.h5`` naming the same layers in another
    order (here reversed) is matched by name."""
    h5py = pytest.importorskip("h5py")
    kwargs = dict(weights=None, include_top=False, alpha=0.35, input_shape=(32, 32, 3))
    model = apps.MobileNetV2(**kwargs)
    _set_drawn_weights(model, seed=3)
    path = tmp_path / "mobilenet.h5"
    model.save_weights(str(path))
    with h5py.File(path, "r+") as f:
        f.attrs["layer_names"] = f.attrs["layer_names"][::-1]
    kwargs["weights"] = str(path)
    fresh = apps.MobileNetV2(**kwargs)
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_decode_predictions_downloads_the_class_index(server, monkeypatch):
    import hashlib
    import json

    u = apps.imagenet_utils
    index = {str(i): [f"n{i:08d}", f"name{i}"] for i in range(1000)}
    data = json.dumps(index).encode()
    (server / "imagenet_class_index.json").write_bytes(data)
    monkeypatch.setattr(u, "CLASS_INDEX_URL", apps._builder.KERAS_WEIGHTS_URL
                        + "imagenet_class_index.json")
    monkeypatch.setattr(u, "CLASS_INDEX_MD5", hashlib.md5(data).hexdigest())
    monkeypatch.setattr(u, "_class_index", None)
    p = np.eye(1000, dtype=np.float32)[[500]]
    assert u.decode_predictions(p, top=1) == [[("n00000500", "name500", 1.0)]]
