"""The layers of issue 13: activation layers, Rescaling, Identity, Permute, RepeatVector,
Embedding, 1-D and global pooling, ZeroPadding2D, Cropping2D, UpSampling2D, Conv1D,
Conv2DTranspose, Normalization and the augmentation layers.

For every layer, from one table (``CASES``):
* a float64 central-difference check of ``dx`` and of every weight's gradient;
* the output shape against ``compute_output_shape``;
* ``get_config``/``from_config`` giving the same config and the same outputs;
* one epoch of ``fit`` inside a small ``Sequential``, then ``model.save``/``load_model``
  giving the same predictions.
Then hand-computed values (Keras's documented examples where it has them), reference
implementations written out here (loops, or SciPy's ``map_coordinates`` as Keras's NumPy
backend uses it), and the errors a user can cause.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_gradients import assert_grad_close, away_from_zero, check_layer, numerical_grad

import glassnet
from glassnet import layers
from glassnet.errors import InputError
from glassnet.layers import activations as activation_layers
from glassnet.layers import embedding as embedding_module
from glassnet.layers._affine import Warp
from glassnet.layers.conv_transpose import transpose_length


def distinct(rng, shape):
    """All values different, at least 0.01 apart: no ties for max pooling."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.01 - n * 0.005).reshape(shape) + rng.uniform(0, 1e-3, shape)


def vector(rng, n=3):
    return away_from_zero(rng, (n, 4))


def sequence(rng, n=3):
    return distinct(rng, (n, 6, 3))


def image(rng, n=2):
    return distinct(rng, (n, 5, 6, 2))


def pixels(rng, n=2):
    """Image values inside [0, 1], away from its ends (RandomContrast clips to value_range)."""
    return rng.uniform(0.3, 0.7, (n, 5, 6, 2))


# (id, factory, input maker, training mode for the gradient check)
CASES = [
    ("ReLU", lambda: layers.ReLU(), vector, False),
    ("ReLU_max_slope_threshold", lambda: layers.ReLU(max_value=1.5, negative_slope=0.3,
                                                     threshold=0.05), vector, False),
    ("LeakyReLU", lambda: layers.LeakyReLU(), vector, False),
    ("ELU", lambda: layers.ELU(alpha=0.7), vector, False),
    ("PReLU", lambda: layers.PReLU(alpha_initializer="random_uniform"), vector, False),
    ("PReLU_shared", lambda: layers.PReLU(alpha_initializer="random_uniform",
                                          shared_axes=[1, 2]), image, False),
    ("Softmax", lambda: layers.Softmax(), vector, False),
    ("Softmax_axis1", lambda: layers.Softmax(axis=1), sequence, False),
    ("Rescaling", lambda: layers.Rescaling(1 / 127.5, offset=-1), vector, False),
    ("Identity", lambda: layers.Identity(), vector, False),
    ("Permute", lambda: layers.Permute((2, 1)), sequence, False),
    ("RepeatVector", lambda: layers.RepeatVector(3), vector, False),
    ("GlobalMaxPooling1D", lambda: layers.GlobalMaxPooling1D(), sequence, False),
    ("GlobalAveragePooling1D", lambda: layers.GlobalAveragePooling1D(), sequence, False),
    ("GlobalMaxPooling2D", lambda: layers.GlobalMaxPooling2D(keepdims=True), image, False),
    ("MaxPooling1D", lambda: layers.MaxPooling1D(), sequence, False),
    ("MaxPooling1D_same_stride1", lambda: layers.MaxPooling1D(3, 1, padding="same"), sequence,
     False),
    ("AveragePooling1D", lambda: layers.AveragePooling1D(3, 2, padding="same"), sequence, False),
    ("ZeroPadding2D", lambda: layers.ZeroPadding2D(((1, 2), (0, 1))), image, False),
    ("Cropping2D", lambda: layers.Cropping2D(((1, 0), (2, 1))), image, False),
    ("UpSampling2D", lambda: layers.UpSampling2D((2, 3)), image, False),
    ("Conv1D", lambda: layers.Conv1D(4, 3, bias_initializer="random_normal"), sequence, False),
    ("Conv1D_same_stride2_tanh", lambda: layers.Conv1D(2, 3, strides=2, padding="same",
                                                       activation="tanh"), sequence, False),
    ("Conv1D_causal", lambda: layers.Conv1D(3, 2, padding="causal", use_bias=False), sequence,
     False),
    ("Conv2DTranspose", lambda: layers.Conv2DTranspose(3, 3, strides=2,
                                                       bias_initializer="random_normal"),
     image, False),
    ("Conv2DTranspose_same", lambda: layers.Conv2DTranspose(2, (2, 3), strides=(2, 1),
                                                            padding="same", activation="tanh"),
     image, False),
    ("Conv2DTranspose_k1_s2_same", lambda: layers.Conv2DTranspose(2, 1, strides=2,
                                                                  padding="same"), image, False),
    ("DepthwiseConv2D", lambda: layers.DepthwiseConv2D(3, depth_multiplier=2,
                                                       bias_initializer="random_normal"),
     image, False),
    ("DepthwiseConv2D_same_stride2_tanh", lambda: layers.DepthwiseConv2D(
        (2, 3), strides=2, padding="same", activation="tanh"), image, False),
    ("SeparableConv2D", lambda: layers.SeparableConv2D(3, 3, depth_multiplier=2,
                                                       bias_initializer="random_normal"),
     image, False),
    ("SeparableConv2D_same_stride2_tanh", lambda: layers.SeparableConv2D(
        2, 2, strides=2, padding="same", activation="tanh", use_bias=False), image, False),
    ("Normalization", lambda: layers.Normalization(mean=[0.5, -1, 2, 0], variance=[4, 1, 9, 2]),
     vector, False),
    ("Normalization_invert", lambda: layers.Normalization(mean=1.0, variance=4.0, invert=True),
     vector, False),
    ("RandomFlip", lambda: layers.RandomFlip(seed=3), image, True),
    ("RandomFlip_horizontal", lambda: layers.RandomFlip("horizontal", seed=0), image, True),
    ("RandomRotation", lambda: layers.RandomRotation(0.2, seed=5), image, True),
    ("RandomRotation_constant_nearest", lambda: layers.RandomRotation(
        0.3, fill_mode="constant", interpolation="nearest", seed=6, fill_value=0.5), image, True),
    ("RandomTranslation_wrap", lambda: layers.RandomTranslation(0.3, (-0.2, 0.4),
                                                                fill_mode="wrap", seed=7),
     image, True),
    ("RandomZoom_nearest_mode", lambda: layers.RandomZoom(0.4, (-0.3, 0.2), fill_mode="nearest",
                                                          seed=8), image, True),
    ("RandomContrast", lambda: layers.RandomContrast((0.5, 0.5), value_range=(0, 1), seed=9),
     pixels, True),
]
IDS = [c[0] for c in CASES]


def _fresh_randomness(layer):
    """Re-seed a seeded augmentation layer, so every forward pass draws the same amounts."""
    if getattr(layer, "seed", None) is None or not hasattr(layer, "_rng"):
        return None

    def fresh():
        layer._rng = np.random.default_rng(layer.seed)
    return fresh


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient(case, float64):
    _, make, inputs, training = case
    glassnet.utils.set_random_seed(11)
    rng = np.random.default_rng(11)
    layer = make()
    x = inputs(rng)
    fresh = _fresh_randomness(layer)
    check_layer(layer, x, rng, training=training, fresh=fresh)
    if training:  # the drawn transform did change the images: the check was not trivial
        fresh()
        assert not np.allclose(layer(x, training=True), x)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_shape_and_config_round_trip(case):
    _, make, inputs, training = case
    glassnet.utils.set_random_seed(12)
    rng = np.random.default_rng(12)
    layer = make()
    x = inputs(rng).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    assert y.shape[1:] == layer.compute_output_shape(x.shape[1:]) == layer.output_shape
    config = layer.get_config()
    copy = type(layer).from_config(config)
    assert copy.get_config() == config
    copy.build(x.shape[1:])
    copy.set_weights(layer.get_weights())
    np.testing.assert_array_equal(copy(x), y)
    if training:  # augmentation: changes images in training only
        assert np.array_equal(y, x)
        assert any(not np.array_equal(layer(x, training=True), x) for _ in range(5))


def _model_data(kind, rng, n=8):
    """Data of the case's shape, with negative values too (PReLU learns from those)."""
    if kind is pixels:
        return rng.uniform(0, 1, (n, 5, 6, 2))
    return rng.standard_normal((n, *kind(rng).shape[1:]))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fit_save_load(case, tmp_path):
    _, make, inputs, _ = case
    glassnet.utils.set_random_seed(13)
    rng = np.random.default_rng(13)
    x = _model_data(inputs, rng)
    y = rng.integers(0, 3, len(x))
    layer = make()
    model = glassnet.Sequential([glassnet.Input(shape=x.shape[1:]), layer, layers.Flatten(),
                                 layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = layer.get_weights()
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    for old, new in zip(before, layer.get_weights()):
        if layer.params:  # trained weights move
            assert not np.array_equal(old, new)
    path = tmp_path / "model.glassnet"
    model.save(path)
    loaded = glassnet.models.load_model(path)
    assert type(loaded.layers[0]) is type(layer)
    assert loaded.layers[0].get_config() == layer.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# -- Embedding (integer inputs) ----------------------------------------------------------------
def test_embedding_gradient(float64):
    """Only ``dE`` is checked: the indices are not differentiable (their ``dx`` is zero)."""
    glassnet.utils.set_random_seed(14)
    rng = np.random.default_rng(14)
    layer = layers.Embedding(6, 3)
    x = np.array([[0, 2, 2, 5], [1, 2, 0, 0]], dtype=np.float64)  # repeats add up in dE
    y = layer(x)
    assert y.shape == (2, 4, 3) == (2, *layer.compute_output_shape((4,)))
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    assert np.array_equal(dx, np.zeros_like(x))
    dE = layer.grads["embeddings"].copy()
    numeric = numerical_grad(lambda: float(np.sum(dy * layer.forward(x))),
                             layer.params["embeddings"])
    assert_grad_close(dE, numeric)
    assert np.all(dE[[3, 4]] == 0)  # rows never looked up get no gradient


def test_embedding_hand_worked_example():
    """The docstring's example."""
    layer = layers.Embedding(3, 2)
    layer.build((3,))
    layer.set_weights([np.array([[0, 0], [1, 2], [3, 4]])])
    for x in (np.array([[2, 1, 2]]), np.array([[2.0, 1.0, 2.0]], np.float32)):  # int or float
        np.testing.assert_array_equal(layer.forward(x), [[[3, 4], [1, 2], [3, 4]]])
    layer.backward(np.ones((1, 3, 2), np.float32))
    np.testing.assert_array_equal(layer.grads["embeddings"], [[0, 0], [1, 1], [2, 2]])


def test_embedding_rejects_bad_indices():
    layer = layers.Embedding(10, 4)
    with pytest.raises(InputError, match=r"index 10, which is outside the valid range \[0, 10\)"
                                         r".*input_dim=11"):
        layer(np.array([[1, 10]]))
    with pytest.raises(InputError, match="index -1"):
        layer(np.array([[1, -1]]))
    with pytest.raises(InputError, match="0.5, which is not a whole number"):
        layer(np.array([[1, 0.5]]))
    with pytest.raises(ValueError, match="input_dim must be a positive integer"):
        layers.Embedding(0, 4)


def test_embedding_text_model_trains_and_saves(tmp_path):
    """The text-classification shape: Embedding -> GlobalAveragePooling1D -> Dense, on
    integer token ids (the model casts them to float32; the layer takes them back)."""
    glassnet.utils.set_random_seed(15)
    rng = np.random.default_rng(15)
    x = rng.integers(0, 50, (64, 7))
    y = (x % 2 == 0).sum(axis=1) > 3  # more even than odd tokens
    model = glassnet.Sequential([layers.Embedding(50, 8, input_shape=(7,)),
                                 layers.GlobalAveragePooling1D(),
                                 layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=glassnet.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y.astype(float), epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.75 * history.history["loss"][0]
    model.save(tmp_path / "text.glassnet")
    loaded = glassnet.models.load_model(tmp_path / "text.glassnet")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(InputError, match="index 50"):
        model.predict(x + 1, verbose=0)


def test_embedding_keras2_arguments(monkeypatch):
    monkeypatch.setattr(embedding_module, "_warned_input_length", False)
    with pytest.warns(DeprecationWarning, match=r"Input\(shape=\(5,\)\)"):
        layer = layers.Embedding(10, 2, input_length=5)
    assert layer.declared_input_shape == (5,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.Embedding(10, 2, input_length=5)  # one warning per session
    E = np.arange(20.0).reshape(10, 2)
    layer = layers.Embedding(10, 2, weights=[E])
    np.testing.assert_array_equal(layer(np.array([[3]])), [[[6, 7]]])


# -- activation layers: Keras's documented values ------------------------------------------
def test_activation_layer_values():
    x = np.array([[-10, -5, 0.0, 5, 10]])
    # keras.layers.ReLU docs; keras.activations.relu docs
    np.testing.assert_allclose(layers.ReLU(max_value=10, negative_slope=0.5, threshold=0)(x),
                               [[-5, -2.5, 0, 5, 10]])
    np.testing.assert_allclose(layers.ReLU()(x), [[0, 0, 0, 5, 10]])
    np.testing.assert_allclose(layers.ReLU(max_value=5.0)(x), [[0, 0, 0, 5, 5]])
    np.testing.assert_allclose(layers.ReLU(threshold=5.0)(x), [[0, 0, 0, 0, 10]])
    # threshold with a slope: s·(x - t) below t; 1 ≤ x < t is damped, not kept
    np.testing.assert_allclose(layers.ReLU(negative_slope=0.5, threshold=2.0)(
        np.array([[-2.0, 1.0, 3.0]])), [[-2, -0.5, 3]])
    # keras.layers.LeakyReLU docs, and Keras 3's default slope 0.3
    np.testing.assert_allclose(layers.LeakyReLU(negative_slope=0.5)(x), [[-5, -2.5, 0, 5, 10]])
    np.testing.assert_allclose(layers.LeakyReLU()(x), [[-3, -1.5, 0, 5, 10]], rtol=1e-6)
    np.testing.assert_allclose(layers.ELU(alpha=2.0)(np.array([[-1.0, 3.0]])),
                               [[2 * np.expm1(-1), 3]], rtol=1e-6)
    # keras.layers.Softmax docs
    np.testing.assert_allclose(layers.Softmax()(np.array([[1.0, 2.0, 1.0]])),
                               [[0.21194157, 0.5761169, 0.21194157]], rtol=1e-6)
    s = layers.Softmax(axis=1)(np.ones((1, 4, 2)))
    np.testing.assert_allclose(s, np.full((1, 4, 2), 0.25))


def test_prelu_values_and_shared_axes():
    layer = layers.PReLU(shared_axes=[1, 2])
    layer.build((3, 4, 2))
    assert layer.params["alpha"].shape == (1, 1, 2)
    layer.set_weights([np.array([[[0.1, 0.5]]])])
    x = np.full((1, 3, 4, 2), -2.0)
    np.testing.assert_allclose(layer(x)[0, 0, 0], [-0.2, -1.0], rtol=1e-6)
    assert np.all(layers.PReLU()(np.array([[-3.0, 2.0]])) == [[0, 2]])  # alpha starts at 0
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=3).build((4, 5))


def test_leaky_relu_keras2_alpha_warns_once(monkeypatch):
    monkeypatch.setattr(activation_layers, "_warned_alpha", False)
    with pytest.warns(DeprecationWarning, match="negative_slope"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    assert layer.get_config()["negative_slope"] == 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.LeakyReLU(alpha=0.2)
    with pytest.raises(ValueError, match="negative_slope must be a number >= 0"):
        layers.LeakyReLU(-1)
    with pytest.raises(ValueError, match="max_value"):
        layers.ReLU(max_value=-1)


def test_softmax_last_layer_fuses_with_cross_entropy():
    """``Dense(3) + Softmax()`` trains as ``Dense(3, activation='softmax')``: same fused
    gradient ``p - onehot``, so the same weights after a step."""
    rng = np.random.default_rng(16)
    x, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    results = []
    for tail in ([layers.Dense(3), layers.Softmax()], [layers.Dense(3, activation="softmax")]):
        glassnet.utils.set_random_seed(16)
        model = glassnet.Sequential([layers.Dense(5, activation="tanh", input_shape=(4,)),
                                     *tail])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
        results.append(model.predict(x, verbose=0))
    assert model.compiled_outputs()[0].fused
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)


# -- shapes and values worked by hand ---------------------------------------------------------
def test_rescaling_identity_permute_repeat_values():
    np.testing.assert_allclose(layers.Rescaling(1 / 127.5, offset=-1)(
        np.array([[0.0, 127.5, 255.0]])), [[-1, 0, 1]], atol=1e-6)
    per_channel = layers.Rescaling([1.0, 10.0])(np.ones((1, 2, 2, 2)))
    assert np.array_equal(per_channel[0, 0, 0], [1, 10])
    x = np.arange(6.0).reshape(1, 2, 3)
    assert np.array_equal(layers.Identity()(x), x)
    assert np.array_equal(layers.Permute((2, 1))(x), [[[0, 3], [1, 4], [2, 5]]])
    assert layers.Permute((3, 1, 2)).compute_output_shape((4, 5, 6)) == (6, 4, 5)
    np.testing.assert_array_equal(layers.RepeatVector(2)(np.array([[1.0, 2.0]])),
                                  [[[1, 2], [1, 2]]])
    with pytest.raises(ValueError, match="permutation of 1..n"):
        layers.Permute((0, 1))
    with pytest.raises(InputError, match="2-D inputs"):
        layers.RepeatVector(2)(x)


def test_pooling_values():
    seq = np.array([1.0, 3, 2, 5, 4]).reshape(1, 5, 1)
    np.testing.assert_array_equal(np.ravel(layers.MaxPooling1D()(seq)), [3, 5])
    np.testing.assert_array_equal(np.ravel(layers.AveragePooling1D()(seq)), [2, 3.5])
    # same padding: windows [1 3], [2 5], [4]; the last one averages its one real step
    np.testing.assert_array_equal(np.ravel(layers.AveragePooling1D(padding="same")(seq)),
                                  [2, 3.5, 4])
    np.testing.assert_array_equal(np.ravel(layers.MaxPooling1D(2, 1)(seq)), [3, 3, 5, 5])
    np.testing.assert_array_equal(np.ravel(layers.GlobalMaxPooling1D()(seq)), [5])
    np.testing.assert_array_equal(np.ravel(layers.GlobalAveragePooling1D()(seq)), [3])
    img = np.arange(12.0).reshape(1, 2, 3, 2)  # channel 0: 0..10 even, channel 1: odd
    np.testing.assert_array_equal(layers.GlobalMaxPooling2D()(img), [[10, 11]])
    assert layers.GlobalMaxPooling2D(keepdims=True)(img).shape == (1, 1, 1, 2)
    assert layers.GlobalAveragePooling1D(keepdims=True)(seq).shape == (1, 1, 1)
    # Keras's aliases are the same classes
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D
    with pytest.raises(InputError, match="window of 7 steps does not fit"):
        layers.MaxPooling1D(7)(seq)


def test_padding_cropping_upsampling_values():
    img = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    padded = layers.ZeroPadding2D(1)(img)[0, ..., 0]
    np.testing.assert_array_equal(padded, [[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0],
                                           [0, 0, 0, 0]])
    assert layers.ZeroPadding2D((1, 2)).compute_output_shape((5, 5, 3)) == (7, 9, 3)
    assert layers.ZeroPadding2D(((1, 0), (0, 3))).padding == ((1, 0), (0, 3))
    cropped = layers.Cropping2D(((1, 0), (0, 1)))(img)[0, ..., 0]
    np.testing.assert_array_equal(cropped, [[3]])
    assert layers.Cropping2D(1).compute_output_shape((5, 6, 3)) == (3, 4, 3)
    up = layers.UpSampling2D(2)(np.array([[1.0, 2.0]]).reshape(1, 1, 2, 1))[0, ..., 0]
    np.testing.assert_array_equal(up, [[1, 1, 2, 2], [1, 1, 2, 2]])
    with pytest.raises(InputError, match="removes the whole"):
        layers.Cropping2D(1)(img)
    with pytest.raises(ValueError, match="non-negative integer"):
        layers.ZeroPadding2D(-1)
    with pytest.raises(NotImplementedError, match="nearest"):
        layers.UpSampling2D(interpolation="bilinear")


# -- Conv1D and Conv2DTranspose against loops written here -------------------------------------
def naive_conv1d(x, W, b, s, pads):
    x = np.pad(x, ((0, 0), pads, (0, 0)))
    k = W.shape[0]
    T = (x.shape[1] - k) // s + 1
    return np.stack([np.einsum("npc,pcf->nf", x[:, t * s:t * s + k], W) + b for t in range(T)],
                    axis=1)


@pytest.mark.parametrize("padding,strides,pads", [("valid", 1, (0, 0)), ("valid", 2, (0, 0)),
                                                  ("same", 1, (1, 1)), ("causal", 1, (2, 0))])
def test_conv1d_against_loops(padding, strides, pads):
    rng = np.random.default_rng(17)
    layer = layers.Conv1D(4, 3, strides=strides, padding=padding)
    x = rng.standard_normal((2, 7, 3))
    layer(x)
    W, b = layer.get_weights()
    assert W.shape == (3, 3, 4)  # Keras's (kernel_size, channels, filters)
    layer.set_weights([W, rng.standard_normal(4)])
    W, b = layer.get_weights()
    np.testing.assert_allclose(layer(x), naive_conv1d(x, W, b, strides, pads), rtol=1e-5,
                               atol=1e-5)
    # the docstring's example: [1, 2, 3, 4] * [1, -1] -> [-1, -1, -1]
    small = layers.Conv1D(1, 2, use_bias=False)
    small.build((4, 1))
    small.set_weights([np.array([1.0, -1.0]).reshape(2, 1, 1)])
    np.testing.assert_array_equal(np.ravel(small(np.arange(1.0, 5.0).reshape(1, 4, 1))),
                                  [-1, -1, -1])


def naive_conv2d_transpose(x, W, b, s, out, crop):
    kh, kw, F, C = W.shape
    n, H, Wd, _ = x.shape
    full = np.zeros((n, max((H - 1) * s[0] + kh, crop[0] + out[0]),
                     max((Wd - 1) * s[1] + kw, crop[1] + out[1]), F))
    for i in range(H):
        for j in range(Wd):
            for p in range(kh):
                for q in range(kw):
                    full[:, i * s[0] + p, j * s[1] + q] += x[:, i, j] @ W[p, q].T
    return full[:, crop[0]:crop[0] + out[0], crop[1]:crop[1] + out[1]] + b


@pytest.mark.parametrize("kernel,strides,padding,expected", [
    ((3, 3), (2, 2), "valid", (9, 11)), ((3, 3), (2, 2), "same", (8, 10)),
    ((4, 2), (2, 3), "same", (8, 15)), ((2, 2), (3, 3), "valid", (12, 15)),
    ((1, 1), (2, 2), "same", (8, 10)), ((3, 2), (1, 1), "same", (4, 5)),
])
def test_conv2d_transpose_against_loops(kernel, strides, padding, expected):
    rng = np.random.default_rng(18)
    layer = layers.Conv2DTranspose(3, kernel, strides=strides, padding=padding,
                                   bias_initializer="random_normal")
    x = rng.standard_normal((2, 4, 5, 2))
    y = layer(x)
    assert y.shape == (2, *expected, 3)
    W, b = layer.get_weights()
    assert W.shape == (*kernel, 3, 2)  # Keras's (kh, kw, filters, channels)
    geometry = [transpose_length(n, k, s, padding, None)
                for n, k, s in zip((4, 5), kernel, strides)]
    out, crop = [g[0] for g in geometry], [g[1] for g in geometry]
    np.testing.assert_allclose(y, naive_conv2d_transpose(x, W, b, strides, out, crop),
                               rtol=1e-5, atol=1e-5)


def test_depthwise_and_separable_hand_worked():
    """DepthwiseConv2D's docstring example, and SeparableConv2D as depthwise then 1x1."""
    depthwise = layers.DepthwiseConv2D((1, 2), use_bias=False)
    depthwise.build((1, 3, 1))
    depthwise.set_weights([np.array([1.0, -1.0]).reshape(1, 2, 1, 1)])
    np.testing.assert_array_equal(np.ravel(depthwise(np.array([1.0, 2.0, 4.0]).reshape(1, 1, 3, 1))
                                  ), [-1, -2])
    rng = np.random.default_rng(28)
    x = rng.standard_normal((2, 5, 5, 3))
    separable = layers.SeparableConv2D(4, 3, depth_multiplier=2, padding="same")
    separable(x)
    D, P, b = separable.get_weights()
    assert D.shape == (3, 3, 3, 2) and P.shape == (1, 1, 6, 4) and b.shape == (4,)
    depthwise = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", use_bias=False)
    depthwise.build((5, 5, 3))
    depthwise.set_weights([D])
    np.testing.assert_allclose(separable(x), depthwise(x) @ P[0, 0] + b, rtol=1e-5, atol=1e-6)
    # channel c·M + m is channel c filtered by its m-th kernel (TensorFlow's order)
    one = layers.DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    one.build((1, 1, 2))
    one.set_weights([np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])])
    np.testing.assert_array_equal(np.ravel(one(np.array([1.0, 2.0]).reshape(1, 1, 1, 2))),
                                  [1, 10, 200, 2000])


def test_conv2d_transpose_docstring_example_and_output_padding():
    layer = layers.Conv2DTranspose(1, (1, 2), strides=2, use_bias=False)
    layer.build((1, 2, 1))
    layer.set_weights([np.array([1.0, 10.0]).reshape(1, 2, 1, 1)])
    np.testing.assert_array_equal(layer(np.array([1.0, 2.0]).reshape(1, 1, 2, 1))[0, 0, :, 0],
                                  [1, 10, 2, 20])
    # Keras 3: valid with output_padding: (n - 1)·s + k + output_padding
    assert transpose_length(4, 3, 2, "valid", 1) == (10, 0)
    # same with output_padding: (n - 1)·s + k % 2 + output_padding
    assert transpose_length(4, 3, 2, "same", 1)[0] == 8
    assert layers.Conv2DTranspose(2, 3, strides=2, output_padding=1).compute_output_shape(
        (4, 4, 1)) == (10, 10, 2)
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)


# -- Normalization -------------------------------------------------------------------------------
def test_normalization_keras_doc_examples():
    layer = layers.Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32))
    np.testing.assert_allclose(np.ravel(layer(np.array([[1.0], [2.0], [3.0]]))),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    data = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]])
    layer = layers.Normalization(axis=-1)
    layer.adapt(data)
    np.testing.assert_allclose(layer(np.array([[0.0, 7.0, 4.0]])), [[-1, -1, -1]], rtol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[0], [1, 8, 5])  # mean, variance, count
    np.testing.assert_allclose(layer.get_weights()[1], [1, 1, 1])
    inverse = layers.Normalization(axis=-1, invert=True)
    inverse.adapt(data)
    np.testing.assert_allclose(inverse(np.array([[1.0, 2.0, 3.0]])), [[2, 10, 8]], rtol=1e-6)
    given = layers.Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(np.ravel(given(np.array([[1.0], [2.0], [3.0]]))),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)


def test_normalization_epsilon_floors_the_standard_deviation():
    """Keras 3: ``(x - mean) / max(√var, 1e-7)``; a constant feature does not divide by 0."""
    layer = layers.Normalization()
    layer.adapt(np.array([[0.0, 1.0], [0.0, 3.0]]))  # feature 0 is constant: variance 0
    out = layer(np.array([[0.0, 3.0], [1e-7, 1.0]]))
    np.testing.assert_allclose(out[:, 1], [1, -1])
    assert out[0, 0] == 0
    np.testing.assert_allclose(out[1, 0], 1.0, rtol=1e-6)  # 1e-7 / 1e-7, not / √(0 + ε)


def test_normalization_adapt_in_batches_and_images():
    rng = np.random.default_rng(19)
    x = rng.standard_normal((40, 3, 4, 2)) * [1.0, 5.0] + [0.0, 10.0]
    whole = layers.Normalization()
    whole.adapt(x)
    batched = layers.Normalization()
    batched.adapt([x[:7], x[7:30], x[30:]])  # a list of batches, as a dataset yields them
    per_pixel = layers.Normalization(axis=(1, 2))
    per_pixel.adapt(x)
    assert whole.get_weights()[0].shape == (2,)
    assert per_pixel.get_weights()[0].shape == (3, 4)
    np.testing.assert_allclose(whole.get_weights()[0], x.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(whole.get_weights()[1], x.var(axis=(0, 1, 2)), rtol=1e-5)
    for a, b in zip(whole.get_weights(), batched.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    np.testing.assert_allclose(per_pixel.get_weights()[0], x.mean(axis=(0, 3)), rtol=1e-5)
    with pytest.raises(InputError, match="adapt got a batch of shape"):
        whole.adapt(x[:, :2])
    with pytest.raises(ValueError, match="both mean and variance"):
        layers.Normalization(mean=1.0)
    with pytest.raises(InputError, match="axis 0 is the batch"):
        layers.Normalization(axis=0).build((3,))


def test_normalization_adapted_state_saved_with_model(tmp_path):
    """The tutorial's regression model: adapt, fit, save, load: same predictions, and the
    adapted statistics come back (non-trainable, so the optimizer never moves them)."""
    glassnet.utils.set_random_seed(20)
    rng = np.random.default_rng(20)
    x = rng.standard_normal((32, 3)) * [1.0, 100.0, 0.01] + [5.0, -300.0, 0.0]
    y = x @ [1.0, 0.01, 100.0]
    norm = layers.Normalization(axis=-1)
    norm.adapt(x)
    stats = norm.get_weights()
    model = glassnet.Sequential([glassnet.Input(shape=(3,)), norm, layers.Dense(8, "relu"),
                                 layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for a, b in zip(stats, norm.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights) == 4
    model.save(tmp_path / "reg.glassnet")
    loaded = glassnet.models.load_model(tmp_path / "reg.glassnet")
    for a, b in zip(stats, loaded.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# -- augmentation ----------------------------------------------------------------------------------
def keras_numpy_affine_transform(images, transform, interpolation, fill_mode, fill_value):
    """Keras 3's NumPy-backend ``affine_transform`` (channels-last), written out here: the
    coordinates of each output pixel, then SciPy's ``map_coordinates`` on a padded image."""
    ndimage = pytest.importorskip("scipy.ndimage")
    out = []
    for img, t in zip(images, transform):
        a0, a1, a2, b0, b1, b2 = t[:6]
        H, W, C = img.shape
        rows, cols, chans = np.meshgrid(np.arange(H), np.arange(W), np.arange(C), indexing="ij")
        coords = np.stack([b0 * cols + b1 * rows + b2, a0 * cols + a1 * rows + a2,
                           chans.astype(float)])
        padding = [(max(-int(np.floor(c.min())) + 1, 0), max(int(np.ceil(c.max())) + 1 - size, 0))
                   for c, size in zip(coords, img.shape)]
        shifted = [c + p[0] for p, c in zip(padding, coords)]
        mode = {"nearest": "edge", "reflect": "symmetric"}.get(fill_mode, fill_mode)
        kwargs = {"constant_values": fill_value} if fill_mode == "constant" else {}
        padded = np.pad(img, padding, mode=mode, **kwargs)
        order = 0 if interpolation == "nearest" else 1
        out.append(ndimage.map_coordinates(padded, shifted, order=order, mode=fill_mode,
                                           cval=fill_value))
    return np.stack(out)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "nearest", "constant"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_warp_matches_keras_numpy_backend(fill_mode, interpolation):
    rng = np.random.default_rng(21)
    images = rng.standard_normal((3, 7, 9, 2))
    angle = np.deg2rad([25.0, -70.0, 180.0])
    cx, cy = 4.0, 3.0
    cos, sin = np.cos(angle), np.sin(angle)
    scale = np.array([1.0, 0.7, 1.3])
    a0, a1, b0, b1 = scale * cos, -scale * sin, scale * sin, scale * cos
    m = np.stack([a0, a1, cx - cx * a0 - cy * a1 + 0.37, b0, b1, cy - cx * b0 - cy * b1 - 1.21,
                  0 * a0, 0 * a0], axis=1)
    warp = Warp(m, 7, 9, interpolation, fill_mode)
    got = warp.apply(images, 0.5)
    expected = keras_numpy_affine_transform(images, m, interpolation, fill_mode, 0.5)
    np.testing.assert_allclose(got, expected, atol=1e-9)
    # the adjoint: <warp(x), dy> = <x, adjoint(dy)> (up to the constant fill term)
    dy = rng.standard_normal(images.shape)
    lhs = np.sum((warp.apply(images, 0.0)) * dy)
    np.testing.assert_allclose(lhs, np.sum(images * warp.adjoint(dy)), rtol=1e-10)


def test_augmentation_hand_worked_cases():
    img = np.arange(6.0).reshape(1, 2, 3, 1)  # [[0 1 2] [3 4 5]]
    flip = layers.RandomFlip("horizontal", seed=0)
    flipped = [flip(img, training=True)[0, ..., 0] for _ in range(20)]
    mirrored = [np.array_equal(f, [[2, 1, 0], [5, 4, 3]]) for f in flipped]
    assert any(mirrored) and not all(mirrored)
    assert all(m or np.array_equal(f, img[0, ..., 0]) for m, f in zip(mirrored, flipped))
    both = layers.RandomFlip(seed=1)
    flipped = [both(img, training=True)[0, ..., 0] for _ in range(20)]
    assert any(np.array_equal(f, [[5, 4, 3], [2, 1, 0]]) for f in flipped)  # one coin, both axes
    assert all(np.array_equal(f, [[5, 4, 3], [2, 1, 0]]) or np.array_equal(f, img[0, ..., 0])
               for f in flipped)
    # a 180° rotation of a 3x3 image about its centre is a flip of both axes
    square = np.arange(9.0).reshape(1, 3, 3, 1)
    half_turn = layers.RandomRotation((0.5, 0.5))
    np.testing.assert_allclose(half_turn(square, training=True), square[:, ::-1, ::-1],
                               atol=1e-9)
    # a translation by exactly one column to the right, constant fill 0
    shift = layers.RandomTranslation(0, (1 / 3, 1 / 3), fill_mode="constant")
    np.testing.assert_allclose(shift(img, training=True)[0, ..., 0], [[0, 0, 1], [0, 3, 4]],
                               atol=1e-9)
    # zoom with factor 0 changes nothing; contrast with factor 0 changes nothing
    np.testing.assert_allclose(layers.RandomZoom(0.0)(img, training=True), img)
    np.testing.assert_allclose(layers.RandomContrast(0.0)(img, training=True), img)
    # contrast: y = clip((x - 2.5)·f + 2.5, 0, 255), the image's mean 2.5
    contrast = layers.RandomContrast((1.0, 1.0), value_range=(0, 255))  # f in [0, 2]
    values = contrast(img, training=True)[0, ..., 0]
    f = (values[1, 2] - 2.5) / (5 - 2.5)
    assert 0 <= f <= 2
    np.testing.assert_allclose(values, np.clip((img[0, ..., 0] - 2.5) * f + 2.5, 0, 255),
                               rtol=1e-6)


def test_contrast_factor_reading_follows_keras3():
    """Keras 3's ``_set_factor`` with bounds [0, 1]: ``0.2`` -> (0, 0.2), f in [1, 1.2]."""
    layer = layers.RandomContrast(0.2, seed=0)
    assert (layer.lower, layer.upper) == (0.0, 0.2)
    assert (layers.RandomContrast((0.1, 0.3)).lower, layers.RandomContrast((0.1, 0.3)).upper) \
        == (0.1, 0.3)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        layers.RandomContrast(1.5)
    with pytest.raises(ValueError, match=r"in \(-1, 1\]"):
        layers.RandomZoom(-1.0)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="mode must be one of"):
        layers.RandomFlip("diagonal")


def test_augmentation_is_seeded_by_glassnet_random():
    img = np.random.default_rng(22).uniform(size=(4, 6, 6, 1))
    outs = []
    for _ in range(2):
        glassnet.utils.set_random_seed(5)
        layer = layers.RandomRotation(0.25)
        outs.append(layer(img, training=True))
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], layers.RandomRotation(0.25)(img, training=True))


def test_augmentation_model_trains_and_predicts_unchanged():
    """Augmentation first: fit runs it (training), predict does not (the identity)."""
    glassnet.utils.set_random_seed(23)
    rng = np.random.default_rng(23)
    x = rng.uniform(0, 1, (16, 8, 8, 1))
    y = rng.integers(0, 2, 16)
    aug = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.1),
           layers.RandomTranslation(0.1, 0.1), layers.RandomContrast(0.2, value_range=(0, 1))]
    model = glassnet.Sequential([glassnet.Input(shape=(8, 8, 1)), *aug,
                                 layers.Conv2D(2, 3, activation="relu"), layers.Flatten(),
                                 layers.Dense(2, activation="softmax")])
    plain = glassnet.Sequential([glassnet.Input(shape=(8, 8, 1)), *model.layers[5:]])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert all(layer.active for layer in aug)  # the last training step changed the images
    np.testing.assert_array_equal(model.predict(x, verbose=0), plain.predict(x, verbose=0))
    assert not any(layer.active for layer in aug)


# -- saving: canonical names for Keras's aliases -------------------------------------------------
def test_alias_classes_save_under_their_keras_name(tmp_path):
    model = glassnet.Sequential([glassnet.Input(shape=(4, 4, 1)), layers.AvgPool2D(),
                                 layers.MaxPool2D(1), layers.GlobalMaxPool2D()])
    path = tmp_path / "aliases.glassnet"
    model.save(path)
    import json
    import zipfile

    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read(next(n for n in zf.namelist() if n.endswith(".json"))))
    names = [entry["class_name"] for entry in config["model"]["config"]["layers"]]
    assert names == ["AveragePooling2D", "MaxPooling2D", "GlobalMaxPooling2D"]
    loaded = glassnet.models.load_model(path)
    x = np.random.default_rng(24).uniform(size=(2, 4, 4, 1))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_every_new_layer_is_exported_and_loadable():
    from glassnet import saving

    for name in ["ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "Rescaling", "Identity",
                 "Permute", "RepeatVector", "Embedding", "GlobalMaxPooling1D",
                 "GlobalMaxPooling2D", "GlobalAveragePooling1D", "MaxPooling1D",
                 "AveragePooling1D", "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Conv1D",
                 "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "Normalization",
                 "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom",
                 "RandomContrast"]:
        assert name in layers.__all__
        assert saving.LAYERS[name] is getattr(layers, name)
    assert layers.__all__ == sorted(layers.__all__)


# -- against real Keras, when it is installed (skipped otherwise) ----------------------------
@pytest.fixture(scope="module")
def keras():
    """Keras 3 on its NumPy backend (the lightest; it needs jax and scipy installed)."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "numpy")
    return pytest.importorskip("keras")


def _both(name, *args, **kwargs):
    return (lambda: getattr(layers, name)(*args, **kwargs),
            lambda k: getattr(k.layers, name)(*args, **kwargs))


KERAS_CASES = [
    ("ReLU", *_both("ReLU", max_value=1.2, negative_slope=0.1, threshold=0.3), vector),
    ("ReLU6", *_both("ReLU", max_value=6.0), vector),
    ("LeakyReLU", *_both("LeakyReLU"), vector),
    ("ELU", *_both("ELU", alpha=0.5), vector),
    ("PReLU", *_both("PReLU", alpha_initializer="random_uniform", shared_axes=[1]), sequence),
    ("Softmax", *_both("Softmax"), sequence),
    ("Softmax_axis1", *_both("Softmax", axis=1), sequence),
    ("Rescaling", *_both("Rescaling", 1 / 127.5, offset=-1.0), vector),
    ("Permute", *_both("Permute", (2, 1)), sequence),
    ("RepeatVector", *_both("RepeatVector", 3), vector),
    ("Embedding", *_both("Embedding", 20, 3), None),
    ("GlobalMaxPooling1D", *_both("GlobalMaxPooling1D"), sequence),
    ("GlobalAveragePooling1D", *_both("GlobalAveragePooling1D", keepdims=True), sequence),
    ("GlobalMaxPooling2D", *_both("GlobalMaxPooling2D"), image),
    ("MaxPooling1D_same", *_both("MaxPooling1D", 4, 3, padding="same"), sequence),
    ("AveragePooling1D_same", *_both("AveragePooling1D", 4, 3, padding="same"), sequence),
    ("ZeroPadding2D", *_both("ZeroPadding2D", ((1, 2), (3, 0))), image),
    ("Cropping2D", *_both("Cropping2D", ((1, 2), (0, 1))), image),
    ("UpSampling2D", *_both("UpSampling2D", (2, 3)), image),
    ("Conv1D_valid", *_both("Conv1D", 4, 3, strides=2, bias_initializer="random_normal"),
     sequence),
    ("Conv1D_same", *_both("Conv1D", 4, 4, padding="same", activation="relu"), sequence),
    ("Conv1D_causal", *_both("Conv1D", 2, 3, padding="causal"), sequence),
    ("DepthwiseConv2D", *_both("DepthwiseConv2D", 3, depth_multiplier=2,
                               bias_initializer="random_normal"), image),
    ("DepthwiseConv2D_same", *_both("DepthwiseConv2D", (2, 3), strides=2, padding="same"),
     image),
    ("SeparableConv2D", *_both("SeparableConv2D", 4, 3, depth_multiplier=2,
                               bias_initializer="random_normal"), image),
    ("SeparableConv2D_same", *_both("SeparableConv2D", 2, (3, 2), strides=(2, 1),
                                    padding="same", activation="relu"), image),
    ("Conv2DTranspose_valid", *_both("Conv2DTranspose", 3, 3, strides=2,
                                     bias_initializer="random_normal"), image),
    ("Conv2DTranspose_same", *_both("Conv2DTranspose", 3, (4, 3), strides=(2, 3),
                                    padding="same"), image),
    ("Conv2DTranspose_valid_s3_k2", *_both("Conv2DTranspose", 2, 2, strides=3), image),
    ("Conv2DTranspose_output_padding", *_both("Conv2DTranspose", 2, 3, strides=2,
                                              output_padding=1), image),
    ("Conv2DTranspose_same_output_padding", *_both("Conv2DTranspose", 2, 3, strides=2,
                                                   padding="same", output_padding=(1, 0)),
     image),
]


@pytest.mark.parametrize("case", KERAS_CASES, ids=[c[0] for c in KERAS_CASES])
def test_same_outputs_as_keras(case, keras):
    _, ours, theirs, inputs = case
    rng = np.random.default_rng(25)
    glassnet.utils.set_random_seed(25)
    if inputs is None:  # Embedding: integer ids
        x = rng.integers(0, 20, (3, 5))
    else:
        x = inputs(rng).astype(np.float32)
    layer, reference = ours(), theirs(keras)
    y = layer(x)
    reference.build((None, *x.shape[1:]))
    reference.set_weights(layer.get_weights())
    expected = np.asarray(reference(x))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


AUGMENT_CASES = [  # factors with a single value, so that both draw the same transform
    ("rotation", *_both("RandomRotation", (0.1, 0.1))),
    ("rotation_nearest_wrap", *_both("RandomRotation", (-0.3, -0.3), fill_mode="wrap",
                                     interpolation="nearest")),
    ("rotation_constant", *_both("RandomRotation", (0.05, 0.05), fill_mode="constant",
                                 fill_value=0.25)),
    ("translation", *_both("RandomTranslation", (0.2, 0.2), (-0.15, -0.15))),
    ("translation_nearest", *_both("RandomTranslation", (-0.3, -0.3), (0.4, 0.4),
                                   fill_mode="nearest")),
    ("zoom_in", *_both("RandomZoom", (-0.3, -0.3))),
    ("zoom_out_constant", *_both("RandomZoom", (0.4, 0.4), (0.2, 0.2), fill_mode="constant")),
    ("contrast", *_both("RandomContrast", (-0.5, 0.5), value_range=(0, 1))),
]


@pytest.mark.parametrize("case", AUGMENT_CASES, ids=[c[0] for c in AUGMENT_CASES])
def test_same_augmentation_as_keras(case, keras):
    _, ours, theirs = case
    x = np.random.default_rng(26).uniform(0, 1, (2, 7, 9, 3)).astype(np.float32)
    expected = np.asarray(theirs(keras)(x, training=True))
    np.testing.assert_allclose(ours()(x, training=True), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ours()(x), x)


def test_same_normalization_as_keras(keras):
    rng = np.random.default_rng(27)
    data = rng.standard_normal((30, 4, 3)) * [1.0, 10.0, 0.0] + [0.0, -5.0, 2.0]
    x = rng.standard_normal((5, 4, 3)).astype(np.float32)
    for kwargs in ({}, {"axis": None}, {"axis": (1, 2)}, {"invert": True}):
        ours, theirs = layers.Normalization(**kwargs), keras.layers.Normalization(**kwargs)
        ours.adapt(data)
        theirs.adapt(data)
        np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-5, atol=1e-4)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    given = {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 0.0, 1.0]}
    np.testing.assert_allclose(layers.Normalization(**given)(x),
                               np.asarray(keras.layers.Normalization(**given)(x)), rtol=1e-5)


def test_conv2d_transpose_parts_give_the_results_of_one(monkeypatch):
    """The batch cut into parts (threads, and stamps made a few samples at a time) gives the
    numbers of one part; against the loops too."""
    from glassnet.layers import _parallel as parallel
    from glassnet.layers import conv_transpose

    rng = np.random.default_rng(19)
    x = rng.standard_normal((19, 4, 5, 6)).astype(np.float32)
    dy = rng.standard_normal((19, 8, 10, 3)).astype(np.float32)
    results = []
    for workers, stamp_bytes in ((1, 2**25), (2, 2**25), (3, 1)):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        monkeypatch.setattr(conv_transpose, "STAMP_BYTES", stamp_bytes)
        glassnet.utils.set_random_seed(0)
        layer = layers.Conv2DTranspose(3, 4, strides=2, padding="same", activation="tanh",
                                       bias_initializer="random_normal")
        y = layer(x).numpy().copy()
        layer.need_input_grad = True
        results.append((y, layer.backward(dy).copy(), [g.copy() for g in layer.grads.values()]))
    W, b = layer.get_weights()
    np.testing.assert_allclose(results[0][0], np.tanh(naive_conv2d_transpose(
        x.astype(np.float64), W, b, (2, 2), (8, 10), (1, 1))), rtol=1e-5, atol=1e-5)
    for y, dx, grads in results[1:]:
        np.testing.assert_allclose(y, results[0][0], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(dx, results[0][1], rtol=1e-5, atol=1e-5)
        for g, g0 in zip(grads, results[0][2]):
            np.testing.assert_allclose(g, g0, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("slope", [0.2, 0.3, 1.0, 0.0, 1.5, -0.5])
def test_leaky_relu_gives_exactly_np_where(slope):
    """max(z, αz) for 0 < α <= 1 (faster) is np.where's z > 0 ? z : αz, to the bit (signed
    zeros, NaN, infinities); other slopes take np.where itself."""
    f = glassnet.activations.LeakyReLU(slope)
    z = np.array([1.5, -2.0, 0.0, -0.0, np.nan, np.inf, -np.inf, 3e-39, -3e-39], np.float32)
    da = np.array([1.0, 2.0, -3.0, 4.0, 5.0, np.nan, 7.0, 8.0, 9.0], np.float32)
    with np.errstate(invalid="ignore"):
        a, expected = f.forward(z), np.where(z > 0, z, z * np.float32(slope))
        dz, expected_dz = f.backward(z, a, da), np.where(z > 0, da, da * np.float32(slope))
    assert a.dtype == dz.dtype == np.float32
    np.testing.assert_array_equal(a, expected)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(expected))
    np.testing.assert_array_equal(dz, expected_dz)
