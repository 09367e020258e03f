"""The glass box: explain, gradcheck, fgsm, saliency (glassnet.inspect)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn
from glassnet import backend
from glassnet import inspect as gi
from glassnet.datasets import mnist
from glassnet.layers import Dense

L = gn.layers


@pytest.fixture(scope="module")
def mnist_small():
    (x, y), (xt, yt) = mnist.load_data()
    return (x[:3000] / np.float32(255), y[:3000]), (xt[:500] / np.float32(255), yt[:500])


@pytest.fixture(scope="module")
def trained(mnist_small):
    """784-32-10 trained for 2 epochs on 3000 images (about 85% on the test images)."""
    (x, y), _ = mnist_small
    gn.utils.set_random_seed(0)
    model = gn.Sequential([L.Input((28, 28)), L.Flatten(), L.Dense(32, activation="relu"),
                           L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    return model


def _mlp(seed=0):
    gn.utils.set_random_seed(seed)
    model = gn.Sequential([L.Input((28, 28)), L.Flatten(), L.Dense(16, activation="relu"),
                           L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return model


# -- explain -----------------------------------------------------------------------------------
def test_explain_prints_formulas_shapes_and_values(mnist_small):
    _, (xt, yt) = mnist_small
    model = _mlp()
    out = io.StringIO()
    result = gi.explain(model, xt[:4], yt[:4], file=out)
    text = out.getvalue()
    assert text == result.text + "\n"
    for formula in ("z = xW + b", "a = relu(z)", "a = softmax(z)", "dL/dW = xᵀ·dL/dz",
                    "dL/db = Σ_batch dL/dz", "dL/dx = dL/dz·Wᵀ", "relu'(z)",
                    "(a - onehot(y)) / batch", "reshape"):
        assert formula in text, formula
    for shape in ("(4, 28, 28)", "(4, 784)", "(784, 16)", "(4, 16)", "(4, 10)", "(16, 10)"):
        assert shape in text, shape
    assert "Forward pass" in text and "Backward pass" in text
    assert f"{result.loss:.6g}" in text
    assert np.isfinite(result.loss) and result.loss > 0
    # structured record: forward steps in order, loss, backward steps in reverse order
    assert [s["index"] for s in result.pass_("forward")] == [0, 1, 2]
    assert [s["index"] for s in result.pass_("backward")] == [2, 1, 0]
    dense_fwd = result.pass_("forward")[1]
    assert dense_fwd["shapes"]["z"] == (4, 16) and dense_fwd["shapes"]["W"] == (784, 16)


def test_explain_exposes_activations_and_gradients(mnist_small):
    _, (xt, yt) = mnist_small
    model = _mlp()
    gi.explain(model, xt[:5], yt[:5], verbose=False)
    flatten, hidden, output = model.layers
    assert flatten.last_input.shape == (5, 28, 28)
    assert flatten.last_output.shape == (5, 784)
    assert hidden.last_output.shape == (5, 16) and np.all(hidden.last_output >= 0)
    np.testing.assert_allclose(output.last_output.sum(axis=1), 1, rtol=1e-5)
    assert output.last_grad_output.shape == (5, 10)
    assert hidden.last_grad_input.shape == (5, 784)
    assert flatten.last_grad_input.shape == (5, 28, 28)
    assert hidden.last_grads["kernel"].shape == (784, 16)
    # the gradients are those of the mean loss: compare with a float64 gradient check
    x = xt[:5].reshape(5, -1).astype(np.float64)
    a1 = np.maximum(x @ hidden.W + hidden.b, 0)
    z2 = a1 @ output.W + output.b
    p = np.exp(z2 - z2.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dz2 = p.copy()
    dz2[np.arange(5), yt[:5]] -= 1
    dz2 /= 5
    np.testing.assert_allclose(output.last_grads["kernel"], a1.T @ dz2, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(output.last_grads["bias"], dz2.sum(0), rtol=1e-4, atol=1e-7)


def test_explain_changes_no_weights_and_no_training_state(mnist_small):
    (x, y), (xt, yt) = mnist_small
    a, b = _mlp(seed=3), _mlp(seed=3)
    a.fit(x[:64], y[:64], epochs=1, verbose=0, shuffle=False)
    b.fit(x[:64], y[:64], epochs=1, verbose=0, shuffle=False)
    before = a.get_weights()
    slots = {k: v.copy() for k, v in a.optimizer.state.items()}
    iterations = a.optimizer.iterations
    gi.explain(a, xt[:3], yt[:3], verbose=False)
    for w0, w1 in zip(before, a.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    for k, v in slots.items():
        np.testing.assert_array_equal(v, a.optimizer.state[k])
    assert a.optimizer.iterations == iterations
    assert [layer.need_input_grad for layer in a.layers] == \
        [layer.need_input_grad for layer in b.layers]
    # training goes on exactly as if explain had never run
    a.fit(x[64:128], y[64:128], epochs=1, verbose=0, shuffle=False)
    b.fit(x[64:128], y[64:128], epochs=1, verbose=0, shuffle=False)
    for w0, w1 in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_explain_without_y_uses_the_predictions(mnist_small):
    _, (xt, _) = mnist_small
    model = _mlp()
    result = gi.explain(model, xt[:3], verbose=False)
    targets = result.pass_("loss")[0]["arrays"]["y"]
    np.testing.assert_array_equal(targets, model.predict(xt[:3], verbose=0).argmax(1))


def test_explain_without_y_for_regression_asks_for_y():
    model = gn.Sequential([L.Input((3,)), L.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(gn.InputError, match="pass y="):
        gi.explain(model, np.ones((2, 3)), verbose=False)
    result = gi.explain(model, np.ones((2, 3)), np.zeros(2), verbose=False)
    assert "dL/dz = dL/da" in result.text  # linear output, loss not fused


def test_explain_generic_layers_use_their_formula(seed):
    model = gn.Sequential([L.Input((6, 6, 1)), L.Conv2D(2, 3, activation="relu"),
                           L.MaxPooling2D(), L.Flatten(), L.Dropout(0.5), L.Dense(3),
                           L.Activation("softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = gi.explain(model, seed.random((2, 6, 6, 1)), [0, 2], verbose=False)
    assert L.Conv2D.formula in result.text and "f = relu" in result.text
    assert L.MaxPooling2D.formula in result.text
    assert "dropout only silences units while training" in result.text
    assert "dL/dkernel" in result.text and "(2, 4, 4, 2)" in result.text
    assert model.layers[0].last_grad_input.shape == (2, 6, 6, 1)


def test_explain_needs_a_loss():
    model = gn.Sequential([L.Input((3,)), L.Dense(2, activation="softmax")])
    with pytest.raises(gn.errors.NotCompiledError, match="compile"):
        gi.explain(model, np.ones((2, 3)), [0, 1], verbose=False)
    result = gi.explain(model, np.ones((2, 3)), [0, 1], loss="sparse_categorical_crossentropy",
                        verbose=False)
    assert "softmax's Jacobian" in result.text  # not fused: the loss was not compiled in


# -- gradcheck ---------------------------------------------------------------------------------
def _check(model, x, y, **kwargs):
    result = gi.gradcheck(model, x, y, **kwargs)
    assert backend.floatx() == np.float32
    assert result.ok, str(result)
    assert result.max_error < 1e-4
    return result


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "elu", "gelu", "softplus",
                                        "swish", "leaky_relu", "linear"])
def test_gradcheck_dense_each_activation(activation, seed):
    model = gn.Sequential([L.Input((5,)), L.Dense(4, activation=activation),
                           L.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = _check(model, seed.normal(size=(4, 5)), [0, 1, 2, 1])
    text = str(result)
    assert "kernel" in text and "bias" in text and "(input)" in text and "OK" in text
    assert len(result.rows) == 5  # 2 layers x (kernel, bias) + the input


def test_gradcheck_activation_flatten_dropout_layers(seed):
    model = gn.Sequential([L.Input((2, 3)), L.Flatten(), L.Dense(4), L.Activation("tanh"),
                           L.Dropout(0.4), L.Dense(2), L.Activation("sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    y = seed.integers(0, 2, (5, 2)).astype(float)
    _check(model, seed.normal(size=(5, 2, 3)), y)
    _check(model, seed.normal(size=(5, 2, 3)), y, training=True)  # with a fixed dropout mask


def test_gradcheck_regression_losses(seed):
    for loss in ("mse", "mae"):
        model = gn.Sequential([L.Input((3,)), L.Dense(4, activation="tanh"), L.Dense(2)])
        model.compile("sgd", loss)
        _check(model, seed.normal(size=(6, 3)), seed.normal(size=(6, 2)))


def test_gradcheck_convolutional_layers(seed):
    model = gn.Sequential([
        L.Input((8, 8, 2)), L.Conv2D(3, 3, activation="relu", padding="same"),
        L.BatchNormalization(), L.MaxPooling2D(), L.Conv2D(4, 2, strides=2, activation="tanh"),
        L.AveragePooling2D(2), L.Flatten(), L.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = seed.random((3, 8, 8, 2)), [0, 1, 2]
    for training in (False, True):  # BatchNormalization: moving vs batch statistics
        result = _check(model, x, y, training=training)
        names = {(r.layer, r.param) for r in result.rows}
        assert (model.layers[1].name, "gamma") in names


def test_gradcheck_global_pooling_and_reshape(seed):
    model = gn.Sequential([L.Input((6, 6, 1)), L.Conv2D(3, 3), L.GlobalAveragePooling2D(),
                           L.Reshape((3, 1)), L.Flatten(), L.Dense(2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    _check(model, seed.random((4, 6, 6, 1)), np.eye(2)[[0, 1, 1, 0]])


def test_gradcheck_leaves_the_model_alone(seed):
    model = gn.Sequential([L.Input((3,)), L.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    before = model.get_weights()
    _check(model, seed.normal(size=(4, 3)), [0, 1, 1, 0])
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)
        assert w1.dtype == np.float32


class BrokenDense(Dense):
    """A bug to catch: the bias gradient comes out halved."""

    def backward(self, da):
        dx = super().backward(da)
        self.grads["bias"][...] *= 0.5
        return dx


class WrongInputGradient(Dense):
    """A bug to catch: dL/dx, passed to the layer below, comes out doubled."""

    def backward(self, da):
        dx = super().backward(da)
        return None if dx is None else dx * 2


def test_gradcheck_fails_loudly_on_a_broken_backward(seed):
    model = gn.Sequential([L.Input((4,)), L.Dense(5, activation="relu"),
                           BrokenDense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = gi.gradcheck(model, seed.normal(size=(6, 4)), [0, 1, 2, 0, 1, 2])
    assert not result.ok
    assert result.max_error > 0.1
    failed = {(r.layer, r.param) for r in result.failures()}
    assert failed == {(model.layers[1].name, "bias")}
    text = str(result)
    assert "FAIL" in text and "FAILED: 1 of" in text and model.layers[1].name in text
    with pytest.raises(AssertionError, match="FAILED"):
        result.raise_if_failed()
    assert backend.floatx() == np.float32


def test_gradcheck_catches_a_wrong_input_gradient(seed):
    model = gn.Sequential([L.Input((4,)), L.Dense(5, activation="tanh"),
                           WrongInputGradient(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = gi.gradcheck(model, seed.normal(size=(6, 4)), [0, 1, 2, 0, 1, 2])
    bad = {(r.layer, r.param) for r in result.failures()}
    # the layer below and the input receive the doubled gradient; the broken layer's own
    # weights are still right
    assert (model.layers[0].name, "kernel") in bad and ("(input)", "x") in bad
    assert (model.layers[1].name, "kernel") not in bad


def test_gradcheck_restores_floatx_after_an_error():
    model = gn.Sequential([L.Input((3,)), L.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(gn.InputError):
        gi.gradcheck(model, np.ones((4, 3)), [0, 1])  # 4 samples, 2 labels
    assert backend.floatx() == np.float32


# -- fgsm and saliency -------------------------------------------------------------------------
def test_fgsm_moves_each_pixel_by_eps_and_fools_the_model(trained, mnist_small):
    _, (xt, yt) = mnist_small
    before = trained.get_weights()
    clean = np.mean(trained.predict(xt, verbose=0).argmax(1) == yt)
    accuracies = [clean]
    for eps in (0.05, 0.1, 0.2):
        adv = gi.fgsm(trained, xt, yt, eps)
        assert adv.shape == xt.shape and adv.dtype == np.float32
        assert adv.min() >= 0 and adv.max() <= 1
        assert np.abs(adv - xt).max() <= eps + 1e-6
        # pixels move by exactly eps unless clipped at 0 or 1
        moved = np.abs(adv - xt)
        inside = (adv > 0) & (adv < 1)
        assert np.mean(np.isclose(moved[inside], eps, atol=1e-6)) > 0.95
        accuracies.append(np.mean(trained.predict(adv, verbose=0).argmax(1) == yt))
    assert clean > 0.8
    assert all(a > b for a, b in zip(accuracies, accuracies[1:])), accuracies
    assert accuracies[-1] < 0.3
    for w0, w1 in zip(before, trained.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_fgsm_raises_the_loss_and_matches_the_input_gradient(trained, mnist_small):
    _, (xt, yt) = mnist_small
    x, y = xt[:50], yt[:50]
    g = gi.input_gradient(trained, x, y)
    adv = gi.fgsm(trained, x, y, 0.02)
    np.testing.assert_array_equal(adv, np.clip(x + np.float32(0.02) * np.sign(g), 0, 1))
    loss_clean = trained.evaluate(x, y, verbose=0)[0]
    loss_adv = trained.evaluate(adv, y, verbose=0)[0]
    assert loss_adv > loss_clean
    assert gi.fgsm(trained, x, y, 0.0).tolist() == x.tolist()
    with pytest.raises(gn.InputError):
        gi.fgsm(trained, x, y, -0.1)


def test_input_gradient_agrees_with_gradcheck_batchwise(seed):
    model = gn.Sequential([L.Input((4,)), L.Dense(3, activation="tanh"),
                           L.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = seed.normal(size=(6, 4)).astype(np.float32)
    y = np.array([0, 1, 1, 0, 1, 0])
    g = gi.input_gradient(model, x, y, batch_size=4)  # two batches: 4 and 2 samples
    for sl in (slice(0, 4), slice(4, 6)):
        np.testing.assert_allclose(g[sl], gi.input_gradient(model, x[sl], y[sl]), rtol=1e-6)


def _probability(model, x, c):
    return float(model.predict(x[None], verbose=0)[0, c])


def test_saliency_is_the_gradient_of_the_predicted_probability(seed):
    backend.set_floatx("float64")
    try:
        model = gn.Sequential([L.Input((3, 3)), L.Flatten(), L.Dense(4, activation="tanh"),
                               L.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")  # fused softmax
        x = seed.random((2, 3, 3))
        maps = gi.saliency(model, x)
        assert maps.shape == x.shape and np.all(maps >= 0)
        h = 1e-6
        for n in range(2):
            c = int(model.predict(x[n:n + 1], verbose=0).argmax())
            numerical = np.zeros((3, 3))
            for idx in np.ndindex(3, 3):
                xp, xm = x[n].copy(), x[n].copy()
                xp[idx] += h
                xm[idx] -= h
                numerical[idx] = (_probability(model, xp, c) - _probability(model, xm, c)) / (2 * h)
            np.testing.assert_allclose(maps[n], np.abs(numerical), rtol=1e-5, atol=1e-9)
        assert model.layers[-1].fused_activation  # restored
        # of the logit z_c instead: the softmax is skipped
        logit_maps = gi.saliency(model, x, logits=True)
        W1, b1 = model.layers[1].W, model.layers[1].b
        W2 = model.layers[2].W
        c0 = int(model.predict(x[:1], verbose=0).argmax())
        a1 = np.tanh(x[0].reshape(-1) @ W1 + b1)
        expected = np.abs((W1 * (1 - a1 ** 2)) @ W2[:, c0]).reshape(3, 3)
        np.testing.assert_allclose(logit_maps[0], expected, rtol=1e-6)
        assert model.layers[-1].fused_activation
    finally:
        backend.set_floatx("float32")


def test_saliency_of_a_chosen_class_and_a_trained_model(trained, mnist_small):
    _, (xt, _) = mnist_small
    maps = gi.saliency(trained, xt[:4], class_index=3)
    assert maps.shape == (4, 28, 28) and np.isfinite(maps).all() and maps.max() > 0
    per_sample = gi.saliency(trained, xt[:4], class_index=np.array([3, 3, 3, 3]))
    np.testing.assert_allclose(maps, per_sample)


class Scale(gn.layers.Layer):
    """A custom layer whose get_config forgets an argument: y = x · s, one s per feature."""

    def __init__(self, start, **kwargs):
        super().__init__(**kwargs)
        self.start = start

    def build(self, input_shape):
        self.add_weight("s", input_shape, "ones")
        self.params["s"][...] = self.start
        super().build(input_shape)

    def forward(self, x, training=False):
        self.x = x
        return x * self.params["s"]

    def backward(self, dy):
        self.grads["s"][...] = (dy * self.x).sum(axis=0)
        return dy * self.params["s"] if self.need_input_grad else None


def test_gradcheck_copies_custom_layers_without_a_faithful_config(seed):
    model = gn.Sequential([L.Input((3,)), Scale(0.5), L.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = _check(model, seed.normal(size=(4, 3)), [0, 1, 1, 0])
    assert (model.layers[0].name, "s") in {(r.layer, r.param) for r in result.rows}
    assert model.layers[0].params["s"].dtype == np.float32  # the original is untouched


def _on_strokes(maps, x) -> float:
    """The share of the maps' total on pixels with ink (x > 0.1)."""
    return float((maps * (x > 0.1)).sum() / maps.sum())


def test_gradient_x_input_lies_on_the_strokes(trained, mnist_small):
    _, (xt, _) = mnist_small
    x = xt[:32]
    gradient = gi.saliency(trained, x)
    gxi = gi.saliency(trained, x, method="gradient_x_input")
    np.testing.assert_allclose(gxi, gradient * x, rtol=1e-6)  # |x ⊙ g| = x |g| for x >= 0
    # the plain gradient of a dense network is no more on the strokes than the ink's
    # share of the image (about 16%); gradient x input is there by construction
    assert _on_strokes(gradient, x) < 0.4
    assert _on_strokes(gxi, x) > 0.95


def test_smoothgrad_averages_gradients_of_noisy_copies(trained, mnist_small):
    _, (xt, _) = mnist_small
    x = xt[:3]
    np.testing.assert_allclose(gi.saliency(trained, x, method="smoothgrad", samples=1,
                                           noise=0.0), gi.saliency(trained, x), rtol=1e-6)
    c = trained.predict(x, verbose=0).argmax(axis=1)
    rng = np.random.default_rng(7)
    total = np.zeros_like(x)
    for _ in range(4):  # the signed gradients of noisy copies, for the clean prediction
        noisy = x + rng.normal(0, 0.2, x.shape).astype(x.dtype)
        total += gi._class_gradient(trained, noisy, c, False, 256)[0]
    smooth = gi.saliency(trained, x, method="smoothgrad", samples=4, noise=0.2, seed=7)
    np.testing.assert_allclose(smooth, np.abs(total / 4), rtol=1e-5, atol=1e-9)
    with pytest.raises(ValueError, match="'gradient_x_input'"):
        gi.saliency(trained, x, method="gradcam")


# -- in Chinese (GLASSNET_LANG=zh) ---------------------------------------------------------------
def _small_classifier(seed_value=0):
    gn.utils.set_random_seed(seed_value)
    model = gn.Sequential([L.Input((4,)), L.Dense(5, activation="relu"), L.Dropout(0.2),
                           L.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def test_explain_speaks_chinese_and_keeps_the_formulas(seed, monkeypatch):
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    model = _small_classifier()
    text = gi.explain(model, seed.normal(size=(2, 4)), [0, 2], verbose=False).text
    for chinese in ("explain：在一个含 2 个样本的批次上", "前向传播（从输入到输出）",
                    "\n损失\n", "反向传播（从输出到输入，链式法则）", "（批次上的平均值）",
                    "（dropout 只在训练时让部分单元静默）", "范围 ["):
        assert chinese in text, chinese
    for formula in ("z = xW + b", "a = relu(z)", "dL/dW = xᵀ·dL/dz", "dL/dx = dL/dz·Wᵀ",
                    "L = sparse_categorical_crossentropy(y, a)",
                    f"{model.layers[-1].name} (Dense)"):
        assert formula in text, formula  # the math and the Keras names stay as they are
    for english in ("Forward pass", "Backward pass", "mean over the batch", "range [",
                    "given to the last layer", "dropout only"):
        assert english not in text, english


def test_gradcheck_table_speaks_chinese_in_aligned_columns(seed, monkeypatch):
    from glassnet import textwidth

    model = gn.Sequential([L.Input((4,)), L.Dense(5, activation="relu"),
                           BrokenDense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = gi.gradcheck(model, seed.normal(size=(6, 4)), [0, 1, 2, 0, 1, 2])
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    lines = str(result).splitlines()
    assert lines[0].startswith("梯度检验：反向传播对比中心差分（float64，eps=0.0001")
    assert lines[1].split() == ["层", "参数", "形状", "检查个数", "最大相对误差"]
    assert lines[-2] == "失败：5 个梯度中有 1 个与数值微分不一致：", lines[-2]
    assert f"{model.layers[1].name}.bias" in lines[-1] and "反向传播" in lines[-1]
    # the columns line up in a terminal, where a Chinese character is two columns wide
    rows = lines[3:8]
    verdict_at = {textwidth.width(row[:row.rindex(" ") + 1]) for row in rows}
    assert len(verdict_at) == 1, rows
    assert verdict_at == {textwidth.width(lines[2][:lines[2].rindex(" ") + 1])}
    assert {row.split()[-1] for row in rows} == {"通过", "失败"}
    with pytest.raises(AssertionError, match="失败"):
        result.raise_if_failed()
    monkeypatch.setenv("GLASSNET_LANG", "en")
    assert "FAILED: 1 of 5 gradients disagree" in str(result)


def test_a_passing_gradcheck_says_so_in_chinese(seed, monkeypatch):
    result = gi.gradcheck(_small_classifier(), seed.normal(size=(3, 4)), [0, 1, 2])
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    assert str(result).splitlines()[-1].startswith("通过：全部 5 个梯度一致（最大相对误差")


def test_inspect_errors_speak_chinese(monkeypatch):
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    uncompiled = gn.Sequential([L.Input((3,)), L.Dense(2, activation="softmax")])
    with pytest.raises(gn.errors.NotCompiledError, match="还没有损失函数") as info:
        gi.explain(uncompiled, np.ones((2, 3)), [0, 1], verbose=False)
    assert "model.compile(optimizer='adam'" in str(info.value)
    with pytest.raises(ValueError, match="不是 'gradient', 'gradient_x_input'"):
        gi.saliency(_small_classifier(), np.ones((2, 4)), method="grad")
    with pytest.raises(gn.errors.InputError, match="fgsm 要求 eps >= 0"):
        gi.fgsm(_small_classifier(), np.ones((2, 4)), [0, 1], eps=-1)


def test_plot_model_says_in_chinese_that_it_draws_nothing(monkeypatch, capsys):
    monkeypatch.setenv("GLASSNET_LANG", "zh")
    model = gn.Sequential([L.Input((3,)), L.Dense(2)], name="tiny")
    assert gn.utils.plot_model(model, "m.png") is None
    out = capsys.readouterr().out
    assert out.startswith("plot_model：glassnet 不画模型图。") and "model.summary()" in out, out
    assert "'m.png'" in out and "'tiny'" in out
