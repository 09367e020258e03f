"""Convolutional layers (issue 6): Conv2D, MaxPooling2D, AveragePooling2D,
GlobalAveragePooling2D, BatchNormalization, Reshape.

* forward outputs against naive loop implementations written here, pixel by pixel;
* float64 central-difference gradient checks of every input and weight gradient
  (valid/same padding, strides 1 and 2, odd sizes, BatchNormalization in training mode);
* BatchNormalization's moving statistics and inference mode;
* a convnet trained on a subset of MNIST beats the dense network on the same subset;
* save/load gives identical predictions; errors for images without a channel axis.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
import glassnet.architectures
import glassnet.blas
from glassnet import layers
from glassnet.errors import InputError
from glassnet.layers import _parallel as parallel
from glassnet.layers import conv as conv_module

# -- naive reference implementations: explicit loops over every output pixel ----------------


def same_pads(n: int, k: int, s: int) -> tuple[int, int]:
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def naive_pad(x, k, s, padding, value=0.0):
    if padding == "valid":
        return x
    (pt, pb), (pl, pr) = same_pads(x.shape[1], k[0], s[0]), same_pads(x.shape[2], k[1], s[1])
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=value)


def naive_windows(x, k, s, padding, value=0.0):
    """Yield (i, j, window) with window of shape (batch, kh, kw, C), one output pixel each."""
    H, W = x.shape[1:3]
    if padding == "valid":
        Ho, Wo = (H - k[0]) // s[0] + 1, (W - k[1]) // s[1] + 1
    else:
        Ho, Wo = math.ceil(H / s[0]), math.ceil(W / s[1])
    xp = naive_pad(x, k, s, padding, value)
    for i in range(Ho):
        for j in range(Wo):
            yield i, j, Ho, Wo, xp[:, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1], :]


def naive_conv(x, W, b, s, padding):
    kh, kw, C, F = W.shape
    out = None
    for i, j, Ho, Wo, win in naive_windows(x, (kh, kw), s, padding):
        if out is None:
            out = np.zeros((len(x), Ho, Wo, F))
        for f in range(F):
            out[:, i, j, f] = (win * W[..., f]).sum(axis=(1, 2, 3)) + b[f]
    return out


def naive_pool(x, k, s, padding, how):
    out = None
    for i, j, Ho, Wo, win in naive_windows(x, k, s, padding, value=np.nan):
        if out is None:
            out = np.zeros((len(x), Ho, Wo, x.shape[-1]))
        # padding is NaN here, and both reductions ignore it (Keras excludes it too)
        out[:, i, j, :] = np.nanmax(win, axis=(1, 2)) if how == "max" else \
            np.nanmean(win, axis=(1, 2))
    return out


# -- gradient-check helpers -------------------------------------------------------------------


def numerical_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to ``x``, perturbed in place."""
    assert x.dtype == np.float64
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def assert_close(analytic, numeric, tol=1e-6):
    scale = max(np.abs(analytic).max(), np.abs(numeric).max())
    assert scale > 1e-8, "a zero gradient proves nothing"
    err = np.abs(analytic - numeric).max() / scale
    assert err < tol, f"relative error {err:.2e}"


def check_layer_gradients(layer, x, rng, training=True):
    """``L = Σ dy · layer(x)``: backward's dx and dθ against central differences."""
    x = x.copy()
    y = layer(x, training=training)
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    grads = {k: g.copy() for k, g in layer.grads.items()}

    def loss():
        return float((dy * layer.forward(x, training=training)).sum())

    assert_close(dx, numerical_grad(loss, x))
    for k, p in layer.params.items():
        assert_close(grads[k], numerical_grad(loss, p))
    return dx, grads


def distinct(rng, shape):
    """Values that are all different, at least 0.01 apart: no ties for max pooling."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.01 - n * 0.005).reshape(shape) + rng.uniform(0, 1e-3, shape)


# -- Conv2D ----------------------------------------------------------------------------------

CONV_CASES = [
    # (H, W, C, filters, kernel, strides, padding)
    (7, 7, 3, 4, 3, 1, "valid"),
    (7, 7, 3, 4, 3, 1, "same"),
    (7, 6, 2, 3, 3, 2, "valid"),
    (7, 6, 2, 3, 3, 2, "same"),
    (6, 5, 2, 2, (2, 3), (2, 1), "same"),
    (5, 5, 1, 2, 1, 2, "valid"),
    (4, 4, 2, 3, 4, 1, "valid"),
    (5, 8, 2, 2, (3, 1), 3, "same"),
    (7, 7, 1, 4, 3, 1, "same"),  # one channel: im2col copies each kernel offset on its own
    (8, 7, 1, 3, (3, 2), 2, "valid"),
    # many channels in, few out, stride 1: stamped (Conv2D.uses_stamps), not im2col
    (6, 7, 8, 1, 3, 1, "same"),
    (6, 5, 9, 2, (2, 3), 1, "valid"),
    (5, 5, 12, 1, 5, 1, "same"),
    (3, 3, 6, 1, 5, 1, "same"),  # kernel wider than the image: some offsets reach nothing
]
STAMPED = CONV_CASES[-4:]


@pytest.mark.parametrize("case", STAMPED)
def test_few_filters_on_many_channels_are_stamped(case):
    H, W, C, F, k, s, padding = case
    layer = layers.Conv2D(F, k, strides=s, padding=padding)
    layer.build((H, W, C))
    assert layer.uses_stamps()
    for C, F in ((1, 32), (32, 64)):  # the classic convnet's layers keep im2col
        classic = layers.Conv2D(F, 3)
        classic.build((28, 28, C))
        assert not classic.uses_stamps()


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_forward_matches_naive_loops(case, seed):
    H, W, C, F, k, s, padding = case
    layer = layers.Conv2D(F, k, strides=s, padding=padding, bias_initializer="random_normal")
    x = seed.standard_normal((3, H, W, C)).astype(np.float32)
    z = layer(x)
    kernel, bias = layer.get_weights()
    expected = naive_conv(x.astype(np.float64), kernel, bias, layer.strides, padding)
    assert z.shape == expected.shape == (3, *layer.output_shape)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z, expected, rtol=1e-5, atol=1e-5)


def test_conv2d_same_padding_puts_the_extra_pixel_after():
    # TensorFlow's rule: n=6, k=3, s=2 -> 3 outputs, 1 pixel of padding, at the end.
    layer = layers.Conv2D(1, (3, 1), strides=(2, 1), padding="same", use_bias=False,
                          kernel_initializer="ones")
    x = np.arange(6, dtype=np.float32).reshape(1, 6, 1, 1)
    # windows [0 1 2], [2 3 4], [4 5 pad]
    np.testing.assert_array_equal(layer(x).numpy().ravel(), [3, 9, 9])


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gradients(case, float64, seed):
    H, W, C, F, k, s, padding = case
    layer = layers.Conv2D(F, k, strides=s, padding=padding, activation="tanh",
                          bias_initializer="random_normal")
    x = seed.standard_normal((2, H, W, C))
    check_layer_gradients(layer, x, seed)


def test_conv2d_relu_gradient_and_first_layer_skips_dx(float64, seed):
    layer = layers.Conv2D(3, 3, activation="relu", bias_initializer="random_normal")
    x = seed.standard_normal((2, 6, 6, 2))
    y = layer(x, training=True).numpy()
    assert (y == 0).any() and (y > 0).any()
    # keep away from the kink: an input that makes some z exactly 0 is unlikely
    check_layer_gradients(layer, x, seed)
    layer.need_input_grad = False
    layer(x, training=True)
    assert layer.backward(np.ones_like(y)) is None
    assert np.abs(layer.grads["kernel"]).sum() > 0


def test_conv2d_patches_rebuilt_in_backward_give_the_same_results(seed, monkeypatch):
    layer = layers.Conv2D(4, 3, padding="same", bias_initializer="random_normal")
    x = seed.standard_normal((10, 9, 9, 3)).astype(np.float32)
    dy = seed.standard_normal((10, 9, 9, 4)).astype(np.float32)
    z = layer(x, training=True).numpy().copy()
    assert layer.cols is not None  # small batch: the patches are kept for backward
    dx = layer.backward(dy).copy()
    grads = {k: g.copy() for k, g in layer.grads.items()}
    # one sample's cols are 9·9·(27 + 1)·4 bytes: allow 3 samples' worth, so that the
    # batch's patches are not kept but built again, part by part, in backward
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 3 * 9 * 9 * 28 * 4)
    np.testing.assert_allclose(layer(x, training=True), z, rtol=1e-5, atol=1e-5)
    assert layer.cols is None and len(layer.parts) >= 4
    np.testing.assert_allclose(layer.backward(dy), dx, rtol=1e-5, atol=1e-5)
    for k, g in layer.grads.items():
        np.testing.assert_allclose(g, grads[k], rtol=1e-4, atol=1e-4)
    monkeypatch.setattr(parallel, "PART_BYTES", 1)  # one sample per part, patches kept
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 2**20)
    np.testing.assert_allclose(layer(x, training=True), z, rtol=1e-5, atol=1e-5)
    assert layer.cols is not None and len(layer.parts) == 10
    np.testing.assert_allclose(layer.backward(dy), dx, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda: layers.Conv2D(4, 3, padding="same", activation="relu", bias_initializer="ones"),
    lambda: layers.Conv2D(1, 3, padding="same", activation="sigmoid"),  # stamped
    lambda: layers.Conv2D(3, 2, strides=2, activation="tanh"),
    lambda: layers.MaxPooling2D(),
    lambda: layers.MaxPooling2D(3, strides=2, padding="same"),
])
def test_threads_sharing_the_batch_give_the_results_of_one_thread(make, seed, monkeypatch):
    x = seed.standard_normal((11, 9, 8, 3)).astype(np.float32)
    results = []
    for workers, min_samples in ((1, 8), (3, 1), (2, 4)):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        monkeypatch.setattr(parallel, "MIN_SAMPLES", min_samples)
        glassnet.utils.set_random_seed(0)
        layer = make()
        y = layer(x, training=True).numpy().copy()
        dy = np.random.default_rng(0).standard_normal(y.shape).astype(np.float32)
        dx = layer.backward(dy).copy()
        assert len(layer.parts) == min(workers, 11 // min_samples)
        results.append((y, dx, [g.copy() for g in layer.grads.values()]))
    for y, dx, grads in results[1:]:
        np.testing.assert_allclose(y, results[0][0], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(dx, results[0][1], rtol=1e-5, atol=1e-5)
        for g, g0 in zip(grads, results[0][2]):
            np.testing.assert_allclose(g, g0, rtol=1e-5, atol=1e-5)


def test_stamps_give_the_results_of_im2col(seed, monkeypatch):
    # a GAN generator's last layer, small: Conv2D(1, 7, padding="same") on many channels
    layer = layers.Conv2D(1, 7, padding="same", activation="sigmoid",
                          bias_initializer="random_normal")
    x = seed.standard_normal((20, 9, 8, 16)).astype(np.float32)
    dy = seed.standard_normal((20, 9, 8, 1)).astype(np.float32)
    results = []
    for stamps in (True, False):
        monkeypatch.setattr(conv_module.Conv2D, "uses_stamps", lambda self, s=stamps: s)
        y = layer(x, training=True).numpy().copy()
        layer.need_input_grad = True
        results.append((y, layer.backward(dy).copy(), [g.copy() for g in layer.grads.values()]))
    (y, dx, grads), (y0, dx0, grads0) = results
    np.testing.assert_allclose(y, y0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, dx0, rtol=1e-4, atol=1e-5)
    for g, g0 in zip(grads, grads0):
        np.testing.assert_allclose(g, g0, rtol=1e-4, atol=1e-4)


def test_split_parts(monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 2)
    assert parallel.split(128, 1000) == [(0, 64), (64, 128)]  # one part per worker
    # 5 parts of at most 30 are needed; 6, so that each of the 2 workers takes 3
    assert parallel.split(128, 30) == [(0, 21), (21, 42), (42, 64), (64, 85), (85, 106),
                                       (106, 128)]
    assert parallel.split(12, 1000) == [(0, 12)]  # too few samples to share
    monkeypatch.setattr(parallel, "WORKERS", 1)
    assert parallel.split(128, 1000) == [(0, 128)]
    assert parallel.run(lambda slot, a, b: (slot, a, b), [(0, 1), (1, 2)]) == [(0, 0, 1),
                                                                                (0, 1, 2)]
    monkeypatch.setattr(parallel, "WORKERS", 3)
    parts = [(i, i + 1) for i in range(20)]
    done = parallel.run(lambda slot, a, b: (slot, a, b), parts)
    assert [(a, b) for _, a, b in done] == parts  # results in the order of the parts
    assert {slot for slot, _, _ in done} <= {0, 1, 2}

    def fail(slot, a, b):
        if a == 7:
            raise ValueError("part 7")
        return a

    with pytest.raises(ValueError, match="part 7"):
        parallel.run(fail, parts)


def test_blas_leaves_convolutions_to_their_own_threads():
    # Conv2D splits its batch between cores itself; BLAS threads on top would compete, so
    # glassnet.blas sizes its thread count from the other layers (here the Dense layer).
    model = glassnet.architectures.cnn()
    assert model.layers[1].splits_batch
    assert glassnet.blas.largest_product(model, 128) == 128 * 16010


def test_conv2d_weights_shapes_and_keras_parameter_counts():
    model = glassnet.Sequential([
        layers.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    shapes = [layer.output_shape for layer in model.layers]
    assert shapes == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (1600,), (1600,),
                      (10,)]
    # the numbers of Keras's summary for this model
    assert [layer.count_params() for layer in model.layers] == [320, 0, 18496, 0, 0, 0, 16010]
    assert model.layers[0].W.shape == (3, 3, 1, 32)
    assert model.count_params() == 34826


def test_conv2d_arguments_and_errors():
    layer = layers.Conv2D(8, 5)
    assert (layer.kernel_size, layer.strides, layer.padding) == ((5, 5), (1, 1), "valid")
    assert layer.activation.name == "linear" and layer.use_bias
    assert layers.Conv2D(8, 3, padding="SAME").padding == "same"
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        layers.Conv2D(8, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size"):
        layers.Conv2D(8, (3, 3, 3))
    with pytest.raises(ValueError, match="filters"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match="channels_last"):
        layers.Conv2D(8, 3, data_format="channels_first")
    with pytest.raises(InputError, match="does not fit"):
        layers.Conv2D(8, 5)(np.zeros((1, 4, 4, 1)))


def test_conv2d_without_bias(seed):
    layer = layers.Conv2D(2, 3, use_bias=False)
    layer(seed.standard_normal((1, 5, 5, 1)))
    assert list(layer.params) == ["kernel"]


# -- pooling ---------------------------------------------------------------------------------

POOL_CASES = [
    # (H, W, pool, strides, padding)
    (6, 6, 2, None, "valid"),
    (7, 5, 2, None, "valid"),  # odd: the last row/column is not used
    (7, 5, 2, None, "same"),
    (7, 7, 3, 2, "valid"),  # overlapping windows
    (7, 7, 3, 2, "same"),
    (6, 7, (2, 3), (1, 2), "same"),
    (5, 5, 3, 1, "valid"),
]


@pytest.mark.parametrize("how", ["max", "average"])
@pytest.mark.parametrize("case", POOL_CASES)
def test_pooling_forward_matches_naive_loops(case, how, seed):
    H, W, k, s, padding = case
    cls = layers.MaxPooling2D if how == "max" else layers.AveragePooling2D
    layer = cls(k, strides=s, padding=padding)
    x = seed.standard_normal((2, H, W, 3)).astype(np.float32)
    y = layer(x)
    expected = naive_pool(x.astype(np.float64), layer.pool_size, layer.strides, padding,
                          "max" if how == "max" else "mean")
    assert y.shape == expected.shape == (2, *layer.output_shape)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("how", ["max", "average"])
@pytest.mark.parametrize("case", POOL_CASES)
def test_pooling_gradients(case, how, float64, seed):
    H, W, k, s, padding = case
    cls = layers.MaxPooling2D if how == "max" else layers.AveragePooling2D
    layer = cls(k, strides=s, padding=padding)
    check_layer_gradients(layer, distinct(seed, (2, H, W, 3)), seed)


def test_max_pooling_ties_send_the_gradient_to_the_first_maximum_only():
    layer = layers.MaxPooling2D()
    x = np.array([[1, 1], [0, 1]], np.float32).reshape(1, 2, 2, 1)
    layer(x, training=True)
    dx = layer.backward(np.full((1, 1, 1, 1), 5, np.float32))
    np.testing.assert_array_equal(dx.reshape(2, 2), [[5, 0], [0, 0]])


def naive_max_pool_backward(x, dy, k, s, padding):
    """dx by loops: each window's gradient to its first maximum in row-major order."""
    xp = naive_pad(x, k, s, padding, -np.inf)
    dxp = np.zeros_like(xp)
    for i, j, _, _, win in naive_windows(x, k, s, padding, value=-np.inf):
        for n in range(len(x)):
            for c in range(x.shape[-1]):
                p, q = np.unravel_index(np.argmax(win[n, :, :, c]), win.shape[1:3])  # first max
                dxp[n, i * s[0] + p, j * s[1] + q, c] += dy[n, i, j, c]
    if padding == "same":
        (pt, _), (pl, _) = same_pads(x.shape[1], k[0], s[0]), same_pads(x.shape[2], k[1], s[1])
        return dxp[:, pt:pt + x.shape[1], pl:pl + x.shape[2]]
    return dxp


@pytest.mark.parametrize("case", POOL_CASES + [(9, 8, 3, None, "valid"), (6, 7, (1, 3), None,
                                                                          "same")])
def test_max_pooling_ties_follow_the_naive_loops(case, seed):
    """Inputs of only 0s and 1s tie in most windows: the first maximum (row-major) wins."""
    H, W, k, s, padding = case
    layer = layers.MaxPooling2D(k, strides=s, padding=padding)
    x = seed.integers(0, 2, (3, H, W, 2)).astype(np.float32)
    y = layer(x, training=True)
    dy = seed.standard_normal(y.shape).astype(np.float32)
    expected = naive_max_pool_backward(x, dy, layer.pool_size, layer.strides, padding)
    np.testing.assert_allclose(layer.backward(dy), expected, rtol=1e-6, atol=1e-6)


def test_max_pooling_gradient_is_zero_where_no_window_reaches(seed):
    layer = layers.MaxPooling2D()  # 7x5 -> 3x2 windows: row 6 and column 4 are never used
    for _ in range(3):  # reused memory must not leak into the margin
        x = seed.standard_normal((4, 7, 5, 3)).astype(np.float32)
        layer(x, training=True)
        dx = layer.backward(np.ones((4, 3, 2, 3), np.float32))
        assert (dx[:, 6] == 0).all() and (dx[:, :, 4] == 0).all()
        assert dx.sum() == 4 * 3 * 2 * 3  # one winner per window


def test_max_pooling_defaults_are_keras():
    layer = layers.MaxPooling2D()
    assert (layer.pool_size, layer.strides, layer.padding) == ((2, 2), (2, 2), "valid")
    assert layers.MaxPooling2D(3).strides == (3, 3)
    assert layers.AveragePooling2D(2, strides=1).strides == (1, 1)


def test_global_average_pooling(seed, float64):
    layer = layers.GlobalAveragePooling2D()
    x = seed.standard_normal((3, 5, 4, 6))
    y = layer(x)
    assert y.shape == (3, 6) and layer.output_shape == (6,)
    np.testing.assert_allclose(y, x.mean(axis=(1, 2)))
    check_layer_gradients(layer, x, seed)
    keep = layers.GlobalAveragePooling2D(keepdims=True)
    assert keep(x).shape == (3, 1, 1, 6)
    check_layer_gradients(keep, x, seed)


# -- BatchNormalization ------------------------------------------------------------------------


def test_batch_norm_defaults_are_keras():
    bn = layers.BatchNormalization()
    assert (bn.axis, bn.momentum, bn.epsilon, bn.center, bn.scale) == (-1, 0.99, 1e-3, True, True)
    bn.build((4, 4, 3))
    assert list(bn.params) == ["gamma", "beta"]
    assert list(bn.state) == ["moving_mean", "moving_variance"]
    np.testing.assert_array_equal(bn.params["gamma"], 1)
    np.testing.assert_array_equal(bn.state["moving_variance"], 1)
    assert bn.count_params() == 12
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


@pytest.mark.parametrize("shape", [(8, 5), (4, 5, 3, 2)])
def test_batch_norm_training_normalises_with_batch_statistics(shape, seed):
    bn = layers.BatchNormalization()
    x = (seed.standard_normal(shape) * 3 + 2).astype(np.float32)
    y = bn(x, training=True).numpy()
    axes = tuple(range(len(shape) - 1))
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-5)
    var = x.var(axis=axes)
    np.testing.assert_allclose(y.var(axis=axes), var / (var + 1e-3), rtol=1e-4)
    # moving statistics moved 1% of the way from (0, 1) towards the batch's
    np.testing.assert_allclose(bn.state["moving_mean"], 0.01 * x.mean(axis=axes), rtol=1e-5)
    np.testing.assert_allclose(bn.state["moving_variance"], 0.99 + 0.01 * var, rtol=1e-5)


def test_batch_norm_inference_uses_the_moving_statistics(seed):
    bn = layers.BatchNormalization(momentum=0.5)
    bn.build((3,))
    bn.set_weights([np.array([1, 2, 3]), np.array([0, 1, 0]),
                    np.array([0.5, -1, 2]), np.array([4, 1, 0.25])])
    x = seed.standard_normal((6, 3)).astype(np.float32)
    expected = np.array([1, 2, 3]) * (x - [0.5, -1, 2]) / np.sqrt(np.array([4, 1, 0.25]) + 1e-3) \
        + [0, 1, 0]
    np.testing.assert_allclose(bn(x, training=False), expected, rtol=1e-5, atol=1e-6)
    # one sample alone gives the same output as within its batch
    np.testing.assert_allclose(bn(x[:1], training=False), expected[:1], rtol=1e-5, atol=1e-6)
    # after training steps the moving statistics approach the data's
    data = (seed.standard_normal((64, 3)) * [1, 2, 3] + [5, 6, 7]).astype(np.float32)
    for _ in range(30):
        bn(data, training=True)
    np.testing.assert_allclose(bn.state["moving_mean"], data.mean(0), rtol=1e-3)
    np.testing.assert_allclose(bn.state["moving_variance"], data.var(0), rtol=1e-3)
    # frozen (trainable=False): inference mode even when training, as in Keras
    bn.trainable = False
    before = bn.state["moving_mean"].copy()
    np.testing.assert_allclose(bn(x, training=True), bn(x, training=False))
    np.testing.assert_array_equal(bn.state["moving_mean"], before)


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients(shape, training, float64, seed):
    bn = layers.BatchNormalization(gamma_initializer="random_normal",
                                   beta_initializer="random_normal",
                                   moving_mean_initializer="random_normal")
    bn.build(shape[1:])
    bn.params["gamma"][...] += 1
    check_layer_gradients(bn, seed.standard_normal(shape) * 2 + 1, seed, training=training)


def test_batch_norm_without_center_and_scale(float64, seed):
    bn = layers.BatchNormalization(center=False, scale=False, axis=1)
    x = seed.standard_normal((5, 3, 4))
    check_layer_gradients(bn, x, seed)
    assert list(bn.params) == [] and bn.state["moving_mean"].shape == (3,)


# -- Reshape and the channel axis ----------------------------------------------------------------


def test_reshape(seed, float64):
    layer = layers.Reshape((28, 28, 1))
    x = seed.standard_normal((2, 28, 28))
    assert layer(x).shape == (2, 28, 28, 1)
    check_layer_gradients(layers.Reshape((-1, 3)), seed.standard_normal((2, 4, 3)), seed)
    assert layers.Reshape((-1, 3)).compute_output_shape((4, 6)) == (8, 3)
    with pytest.raises(InputError, match="number of values must stay the same"):
        layers.Reshape((5, 5)).build((28, 28))
    with pytest.raises(ValueError, match="target_shape"):
        layers.Reshape((-1, -1))


def cnn(input_shape=(28, 28, 1)):
    return glassnet.Sequential([
        layers.Input(shape=input_shape),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])


def test_images_without_channel_axis_need_reshape_or_expand_dims(seed):
    """A model that does not know its input yet says how to add the channel axis; one
    declared for (28, 28, 1) adds it itself, as Keras's functional models do
    (``_adjust_input_rank``; keras.io's siamese network feeds (n, 28, 28))."""
    x = seed.random((20, 28, 28)).astype(np.float32)
    y = seed.integers(0, 10, 20)
    lazy = glassnet.Sequential([layers.Conv2D(8, 3), layers.Flatten(), layers.Dense(10)])
    lazy.compile(optimizer="adam", loss="mse")
    with pytest.raises(InputError, match=r"channel axis is missing.*np\.newaxis.*Reshape"):
        lazy.fit(x, np.zeros((20, 10)), verbose=0)
    declared = cnn()
    declared.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    declared.fit(x, y, verbose=0)
    np.testing.assert_array_equal(declared.predict(x, verbose=0),
                                  declared.predict(x[..., np.newaxis], verbose=0))
    with pytest.raises(InputError, match=r"28, 28, 1"):
        declared.fit(x[:, :27], y, verbose=0)
    declared.fit(x[..., np.newaxis], y, verbose=0)
    declared.fit(np.expand_dims(x, -1), y, verbose=0)
    reshaped = glassnet.Sequential([layers.Reshape((28, 28, 1), input_shape=(28, 28)),
                                    *cnn().layers])
    reshaped.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    reshaped.fit(x, y, verbose=0)
    assert reshaped.predict(x, verbose=0).shape == (20, 10)


# -- whole models ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_subset():
    (x, y), (xt, yt) = glassnet.datasets.mnist.load_data()
    return (x[:3000] / 255.0, y[:3000]), (xt[:2000] / 255.0, yt[:2000])


def test_convnet_beats_the_dense_network_on_a_subset(mnist_subset):
    (x, y), (xt, yt) = mnist_subset
    glassnet.utils.set_random_seed(0)
    dense = glassnet.Sequential([layers.Input(shape=(28, 28)), layers.Flatten(),
                                 layers.Dense(128, activation="relu"),
                                 layers.Dense(10, activation="softmax")])
    convnet = glassnet.Sequential([
        layers.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    scores = []
    for model, data in ((dense, (x, xt)), (convnet, (x[..., None], xt[..., None]))):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(data[0], y, epochs=2, batch_size=32, verbose=0)
        scores.append(model.evaluate(data[1], yt, verbose=0)[1])
    dense_acc, conv_acc = scores
    # measured: dense 0.858, convnet 0.918
    assert conv_acc > 0.9, scores
    assert conv_acc > dense_acc + 0.03, scores


def test_save_and_load_a_convnet_gives_identical_predictions(mnist_subset, tmp_path):
    (x, y), (xt, _) = mnist_subset
    glassnet.utils.set_random_seed(1)
    model = glassnet.Sequential([
        layers.Input(shape=(28, 28)),
        layers.Reshape((28, 28, 1)),
        layers.Conv2D(6, 3, strides=2, padding="same"),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.AveragePooling2D(padding="same"),
        layers.Conv2D(8, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:500], y[:500], epochs=1, verbose=0)
    bn = model.layers[2]
    assert not np.allclose(bn.state["moving_mean"], 0)
    path = tmp_path / "cnn.glassnet"
    model.save(path)
    loaded = glassnet.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == \
        [type(layer).__name__ for layer in model.layers]
    np.testing.assert_array_equal(loaded.layers[2].state["moving_variance"],
                                  bn.state["moving_variance"])
    np.testing.assert_array_equal(loaded.predict(xt[:300], verbose=0),
                                  model.predict(xt[:300], verbose=0))
    # configs round-trip, so training can go on
    for a, b in zip(model.layers, loaded.layers):
        assert a.get_config() == b.get_config()
    loaded.fit(x[:200], y[:200], epochs=1, verbose=0)


def test_batch_norm_model_predicts_with_moving_statistics(seed):
    model = glassnet.Sequential([layers.Input(shape=(4,)), layers.BatchNormalization()])
    model.compile(optimizer="sgd", loss="mse")
    x = (seed.standard_normal((256, 4)) * 3 + 10).astype(np.float32)
    model.fit(x, x, epochs=1, batch_size=256, verbose=0)  # one step: moving stats 1% moved
    out = model.predict(x, verbose=0)
    bn = model.layers[0]
    expected = (x - bn.state["moving_mean"]) / np.sqrt(bn.state["moving_variance"] + 1e-3)
    expected = expected * bn.params["gamma"] + bn.params["beta"]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert np.abs(out.mean(0)).min() > 1  # not normalised by the batch's own statistics


def test_summary_shows_conv_shapes():
    lines = []
    model = cnn()
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(None, 26, 26, 8)" in text and "(None, 13, 13, 8)" in text and "80" in text


# -- PyTorch cross-check (skipped without torch) ------------------------------------------------


@pytest.mark.parametrize("s, padding", [(1, "valid"), (2, "same"), (1, "same"), (2, "valid")])
def test_conv2d_matches_torch(s, padding, seed):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = layers.Conv2D(5, 3, strides=s, padding=padding, bias_initializer="random_normal")
    x = seed.standard_normal((4, 9, 8, 3)).astype(np.float32)
    z = layer(x, training=True)
    dz = seed.standard_normal(z.shape).astype(np.float32)
    dx = layer.backward(dz)
    kernel, bias = layer.get_weights()
    xt = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)  # NHWC -> NCHW
    wt = torch.tensor(kernel.transpose(3, 2, 0, 1).copy(), requires_grad=True)  # -> F, C, kh, kw
    bt = torch.tensor(bias, requires_grad=True)
    xpad = xt
    if padding == "same":
        (pt, pb), (pl, pr) = same_pads(9, 3, s), same_pads(8, 3, s)
        xpad = F.pad(xt, (pl, pr, pt, pb))
    zt = F.conv2d(xpad, wt, bt, stride=s)
    np.testing.assert_allclose(z, zt.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-4,
                               atol=1e-5)
    zt.backward(torch.tensor(dz.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.grads["kernel"], wt.grad.numpy().transpose(2, 3, 1, 0),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.grads["bias"], bt.grad.numpy(), rtol=1e-4, atol=1e-4)
