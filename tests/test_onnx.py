"""ONNX export (issue 7): the same network in glassnet and in onnxruntime gives the same outputs."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations
from glassnet import layers as L

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ALL_ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "linear", "leaky_relu", "elu", "gelu",
                   "softplus", "swish"]


@pytest.fixture(scope="module")
def mnist():
    (x_train, y_train), (x_test, _) = gn.datasets.mnist.load_data()
    return (x_train[:1000].astype(np.float32) / 255, y_train[:1000],
            x_test[:1000].astype(np.float32) / 255)


def _run(path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def _trained(model: gn.Sequential, x, y, epochs: int = 1) -> gn.Sequential:
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return model


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
def test_dense_network_matches_predict_on_mnist(activation, mnist, tmp_path):
    x_train, y_train, x_test = mnist
    gn.utils.set_random_seed(0)
    model = _trained(gn.Sequential([
        L.Input(shape=(28, 28)), L.Flatten(), L.Dense(32, activation=activation),
        L.Dropout(0.3), L.Dense(10, activation="softmax"),
    ]), x_train, y_train)
    path = tmp_path / "model.onnx"
    model.export(str(path))
    got = _run(path, x_test)
    assert got.shape == (1000, 10) and got.dtype == np.float32
    np.testing.assert_allclose(got, model.predict(x_test, verbose=0), rtol=0, atol=1e-5)


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
def test_each_activation_over_a_wide_range(activation, tmp_path):
    # logits from -60 to 60: saturated sigmoid/softplus/elu tails, large swish/gelu
    z = np.linspace(-60, 60, 1200, dtype=np.float32).reshape(-1, 4)
    model = gn.Sequential([L.Input(shape=(4,)), L.Activation(activation)])
    model.export(str(tmp_path / "a.onnx"))
    np.testing.assert_allclose(_run(tmp_path / "a.onnx", z), model.predict(z, verbose=0),
                               rtol=1e-6, atol=1e-5)


def test_activation_parameters_are_exported(tmp_path):
    z = np.linspace(-5, 5, 40, dtype=np.float32).reshape(-1, 2)
    model = gn.Sequential([L.Input(shape=(2,)), L.Activation(activations.LeakyReLU(0.01)),
                           L.Activation(activations.ELU(0.5))])
    model.export(str(tmp_path / "p.onnx"))
    np.testing.assert_allclose(_run(tmp_path / "p.onnx", z), model.predict(z, verbose=0),
                               atol=1e-6)


def _randomize_batchnorm(model: gn.Sequential, rng: np.random.Generator) -> None:
    """Moving statistics far from (0, 1), so that an exporter ignoring them would fail."""
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            C = layer.state["moving_mean"].shape
            layer.state["moving_mean"][...] = rng.normal(0, 0.5, C)
            layer.state["moving_variance"][...] = rng.uniform(0.2, 3, C)
            if layer.scale:
                layer.params["gamma"][...] = rng.uniform(0.5, 1.5, C)
            if layer.center:
                layer.params["beta"][...] = rng.normal(0, 0.3, C)


def test_convolutional_network_matches_predict_on_mnist(mnist, tmp_path):
    x_train, y_train, x_test = mnist
    gn.utils.set_random_seed(1)
    model = _trained(gn.Sequential([
        L.Input(shape=(28, 28)),
        L.Reshape((28, 28, 1)),
        L.Conv2D(8, 3, padding="same", activation="relu"),
        L.BatchNormalization(),
        L.MaxPooling2D(),                                       # 14x14
        L.Conv2D(6, 3, strides=2, activation="gelu"),           # 6x6
        L.AveragePooling2D(pool_size=(2, 3), strides=1, padding="same"),
        L.Activation("softmax"),                                # over channels
        L.Conv2D(4, (2, 3), strides=(1, 2), padding="same", use_bias=False),
        L.MaxPooling2D(pool_size=3, strides=2, padding="same"),
        L.Flatten(),
        L.Dense(16, activation="tanh"),
        L.BatchNormalization(),
        L.Dropout(0.5),
        L.Dense(10, activation="softmax"),
    ]), x_train[:300], y_train[:300])
    _randomize_batchnorm(model, np.random.default_rng(0))
    path = tmp_path / "cnn.onnx"
    model.export(str(path))
    np.testing.assert_allclose(_run(path, x_test), model.predict(x_test, verbose=0),
                               rtol=0, atol=1e-5)
    # channels-last -> channels-first once before the first Conv, and back once before
    # Flatten: no Transpose pairs between the image layers
    ops = [node.op_type for node in onnx.load(str(path)).graph.node]
    assert ops.count("Transpose") == 2
    assert ops.index("Transpose") < ops.index("Conv")


def test_global_pooling_and_channels_last_output(mnist, tmp_path):
    x_train, y_train, x_test = mnist
    images, test_images = x_train[:200, ..., None], x_test[:300, ..., None]
    gn.utils.set_random_seed(2)
    pooled = _trained(gn.Sequential([
        L.Input(shape=(28, 28, 1)), L.Conv2D(8, 5, strides=2, padding="same"),
        L.BatchNormalization(), L.Activation("swish"), L.GlobalAveragePooling2D(),
        L.Dense(10, activation="softmax"),
    ]), images, y_train[:200])
    _randomize_batchnorm(pooled, np.random.default_rng(3))
    pooled.export(str(tmp_path / "gap.onnx"))
    np.testing.assert_allclose(_run(tmp_path / "gap.onnx", test_images),
                               pooled.predict(test_images, verbose=0), atol=1e-5)
    # a model that ends on an image: the output comes back channels-last, (batch, H, W, C)
    images_out = gn.Sequential([L.Input(shape=(28, 28, 1)), L.Conv2D(3, 3),
                                L.AveragePooling2D(), L.GlobalAveragePooling2D(keepdims=True)])
    images_out.export(str(tmp_path / "img.onnx"))
    got = _run(tmp_path / "img.onnx", test_images)
    assert got.shape == (300, 1, 1, 3)
    np.testing.assert_allclose(got, images_out.predict(test_images, verbose=0), atol=1e-5)


def test_batch_size_is_free(tmp_path):
    model = gn.Sequential([L.Input(shape=(5,)), L.Dense(3, activation="softmax")])
    model.export(str(tmp_path / "m.onnx"))
    graph = onnx.load(str(tmp_path / "m.onnx")).graph
    assert graph.input[0].name == "input" and graph.output[0].name == "output"
    x = np.random.default_rng(0).normal(size=(7, 5)).astype(np.float32)
    for n in (1, 7):
        np.testing.assert_allclose(_run(tmp_path / "m.onnx", x[:n]),
                                   model.predict(x[:n], verbose=0), atol=1e-6)


def test_saved_model_file_exports_the_same(mnist, tmp_path):
    # what `glassnet export MODEL model.onnx` does: load_model, then export_onnx
    from glassnet.export import export_onnx

    x_train, y_train, x_test = mnist
    model = _trained(gn.Sequential([L.Input(shape=(28, 28)), L.Flatten(),
                                    L.Dense(16, activation="relu"),
                                    L.Dense(10, activation="softmax")]), x_train, y_train)
    model.save(str(tmp_path / "m.glassnet"))
    written = export_onnx(gn.load_model(str(tmp_path / "m.glassnet")), tmp_path / "m.onnx")
    assert written == str(tmp_path / "m.onnx")
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", x_test), model.predict(x_test, verbose=0),
                               atol=1e-5)


def test_unbuilt_model_is_refused(tmp_path):
    model = gn.Sequential([L.Dense(3)])
    with pytest.raises(ValueError, match="no weights yet.*input_shape"):
        model.export(str(tmp_path / "m.onnx"))


def test_custom_activation_and_layer_are_refused(tmp_path):
    class Cube(activations.Activation):
        name = "cube"

        def forward(self, z):
            return z ** 3

    model = gn.Sequential([L.Input(shape=(2,)), L.Dense(2, activation=Cube())])
    with pytest.raises(NotImplementedError, match="Cannot export the activation.*cube"):
        model.export(str(tmp_path / "m.onnx"))

    class Twice(L.Layer):
        def forward(self, x, training=False):
            return 2 * x

    model = gn.Sequential([L.Input(shape=(2,)), Twice(name="twice")])
    with pytest.raises(NotImplementedError, match=r"'twice' \(Twice\).*Exportable layers: "):
        model.export(str(tmp_path / "m.onnx"))
    assert not (tmp_path / "m.onnx").exists()


def test_other_formats_are_refused(tmp_path):
    model = gn.Sequential([L.Input(shape=(2,)), L.Dense(1)])
    with pytest.raises(ValueError, match="format='onnx' only"):
        model.export(str(tmp_path / "m"), format="tf_saved_model")


def test_weights_read_from_the_file_into_torch(mnist, tmp_path):
    # docs/onnx.md's "by reading the weights" recipe, when torch happens to be installed
    torch = pytest.importorskip("torch")
    from onnx import numpy_helper

    x_train, y_train, x_test = mnist
    model = _trained(gn.Sequential([L.Input(shape=(28, 28)), L.Flatten(),
                                    L.Dense(32, activation="relu"),
                                    L.Dense(10, activation="softmax")]), x_train, y_train)
    model.export(str(tmp_path / "m.onnx"))
    weights = {w.name: numpy_helper.to_array(w)
               for w in onnx.load(str(tmp_path / "m.onnx")).graph.initializer}
    dense1, dense2 = (layer.name for layer in model.layers[1:])
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 32), torch.nn.ReLU(),
                              torch.nn.Linear(32, 10), torch.nn.Softmax(dim=1))
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor(weights[f"{dense1}/kernel"].T))
        net[1].bias.copy_(torch.tensor(weights[f"{dense1}/bias"]))
        net[3].weight.copy_(torch.tensor(weights[f"{dense2}/kernel"].T))
        net[3].bias.copy_(torch.tensor(weights[f"{dense2}/bias"]))
        out = net(torch.from_numpy(x_test)).numpy()
    np.testing.assert_allclose(out, model.predict(x_test, verbose=0), atol=1e-5)
