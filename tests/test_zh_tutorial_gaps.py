"""What popular Chinese TensorFlow 2 tutorials (龙良曲's TensorFlow-2.x-Tutorials and its
深度学习与TensorFlow入门实战 lessons) needed that glassnet lacked: found by running them with
the import swapped (corpus programs7, see /work/corpus/RESULTS-s6-zh.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from glassnet.keras import layers
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf
from glassnet import keras


# -- tf.clip_by_global_norm, tf.linalg.global_norm (11-AE: clip the tape's gradients) --------
def test_global_norm_and_clip_by_global_norm_values():
    """``N = √(Σᵢ ‖tᵢ‖²)``; each ``tᵢ · c / max(N, c)``; ``None`` stays ``None``."""
    a = np.full((2, 2), 3.0, np.float32)
    b = np.array([4.0], np.float32)
    n = np.sqrt(4 * 9 + 16)
    assert float(tf.linalg.global_norm([a, None, b])) == pytest.approx(n, rel=1e-6)
    clipped, norm = tf.clip_by_global_norm([tf.constant(a), None, tf.Variable(b)], 5.0)
    assert float(norm) == pytest.approx(n, rel=1e-6)
    assert clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), a * 5.0 / n, rtol=1e-6)
    np.testing.assert_allclose(clipped[2].numpy(), b * 5.0 / n, rtol=1e-6)
    assert clipped[0].dtype == np.float32
    # a norm below clip_norm leaves the list as it is; use_norm replaces the computed norm
    same, _ = tf.clip_by_global_norm([a, b], 100.0)
    np.testing.assert_allclose(same[0].numpy(), a)
    halved, used = tf.clip_by_global_norm([a, b], 1.0, use_norm=2.0)
    assert float(used) == 2.0
    np.testing.assert_allclose(halved[1].numpy(), b / 2)


def test_clip_by_global_norm_of_inf_is_nan_as_in_tensorflow():
    clipped, norm = tf.clip_by_global_norm([np.array([np.inf, 1.0], np.float32)], 1.0)
    assert np.isinf(float(norm))
    assert np.isnan(clipped[0].numpy()).all()


def test_clip_by_global_norm_refuses_a_single_tensor():
    with pytest.raises(TypeError, match="t_list"):
        tf.clip_by_global_norm(tf.constant([1.0, 2.0]), 1.0)


def test_clip_by_global_norm_gradient(float64):
    """d/dx of ``Σ w ⊙ clip(x, y)`` through the shared scale, by central differences."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(3, 2)), rng.normal(size=(4,))
    wx, wy = rng.normal(size=x.shape), rng.normal(size=y.shape)

    def value():
        (cx, cy), _ = tf.clip_by_global_norm([x, y], 1.5)
        return float(tf.reduce_sum(cx * wx) + tf.reduce_sum(cy * wy))

    assert np.sqrt((x ** 2).sum() + (y ** 2).sum()) > 1.5  # the clipping branch
    vx, vy = tf.Variable(x), tf.Variable(y)
    with tf.GradientTape() as tape:
        (cx, cy), _ = tf.clip_by_global_norm([vx, vy], 1.5)
        total = tf.reduce_sum(cx * wx) + tf.reduce_sum(cy * wy)
    dx, dy = tape.gradient(total, [vx, vy])
    assert_grad_close(dx.numpy(), numerical_grad(value, x))
    assert_grad_close(dy.numpy(), numerical_grad(value, y))


def test_clip_by_global_norm_in_a_training_step():
    """The 11-AE loop: gradients from the tape, clipped, applied."""
    model = keras.Sequential([layers.Dense(3)])
    model.build((None, 4))
    x = tf.constant(np.ones((2, 4), np.float32) * 10)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    assert float(norm) > 1.0
    assert float(tf.linalg.global_norm(clipped)) == pytest.approx(1.0, rel=1e-5)
    keras.optimizers.SGD(0.1).apply_gradients(zip(clipped, model.trainable_variables))


# -- tf.is_tensor (04-Linear-Regression prints it for its add_variable weights) --------------
def test_is_tensor():
    assert tf.is_tensor(tf.constant(1.0))
    assert tf.is_tensor(tf.Variable([1.0, 2.0]))  # a Variable is a Tensor in TensorFlow too
    assert tf.is_tensor(tf.ragged.constant([[1], [2, 3]]))
    assert not tf.is_tensor(np.ones(2))
    assert not tf.is_tensor(1.0)
    assert not tf.is_tensor([1.0])


# -- a subclassed model whose call reshapes its input (05-FashionMNIST mnist_custommodel) ----
class _ReshapingModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.layer1 = layers.Dense(8, activation="relu")
        self.layer2 = layers.Dense(3)

    def call(self, x, training=False):
        return self.layer2(self.layer1(tf.reshape(x, [-1, 4 * 4])))


def test_subclassed_model_that_reshapes_in_call_fits_images():
    """The check "a Dense layer first needs Flatten" is for Sequential models: a subclassed
    model's call decides what its first layer sees (here a reshape to (batch, 16))."""
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(12, 4, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 12)]
    model = _ReshapingModel()
    model.compile(optimizer="adam",
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x, verbose=0).shape == (12, 3)


def test_sequential_dense_first_on_images_still_says_flatten():
    model = keras.Sequential([layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(Exception, match="Flatten"):
        model.fit(np.zeros((4, 4, 4), np.float32), np.zeros((4, 3), np.float32), verbose=0)


# -- compile(experimental_run_tf_function=False) (lessons 45 and 47: RNN sentiment) ----------
def test_compile_accepts_tensorflow_2_0_options_with_one_warning():
    """tf.keras 2.2-2.15 pop ``experimental_run_tf_function`` and ``cloning`` unread."""
    from glassnet import legacy

    legacy._WARNED.discard("compile:experimental_run_tf_function")
    model = keras.Sequential([layers.Dense(1)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.compile(optimizer="adam", loss="mse", metrics=["accuracy"],
                      experimental_run_tf_function=False)
        model.compile(optimizer="adam", loss="mse", experimental_run_tf_function=False)
    messages = [str(w.message) for w in caught if "experimental_run_tf_function" in
                str(w.message)]
    assert len(messages) == 1 and "Remove it" in messages[0]
    model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), verbose=0)
    with pytest.raises(TypeError, match="experimental_run_tf_functon"):
        model.compile(optimizer="adam", loss="mse", experimental_run_tf_functon=False)


# -- load_weights into a Sequential model not built yet (lesson 31 save_load_weight) ---------
def _five_dense():
    return keras.Sequential([layers.Dense(6, activation="relu"), layers.Dense(3)])


@pytest.mark.parametrize("first_use", ["fit", "call", "build"])
def test_load_weights_before_a_sequential_model_is_built(tmp_path, first_use):
    """Keras 2 restores a checkpoint into a model without an input shape when the model is
    built (fit, a call, build): the weights are those saved, not fresh ones."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 5)).astype(np.float32)
    model = _five_dense()
    model.build(input_shape=(None, 5))
    path = str(tmp_path / "weights.ckpt")
    model.save_weights(path)
    expected = model.predict(x, verbose=0)

    again = _five_dense()
    again.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    again.load_weights(path)
    assert not again.built
    if first_use == "fit":
        again.fit(x, np.zeros((8, 3), np.float32), epochs=1, verbose=0)  # lr 0: unchanged
    elif first_use == "call":
        again(tf.constant(x))
    else:
        again.build(input_shape=(None, 5))
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-6)


def test_load_weights_before_build_reports_a_missing_file_at_once(tmp_path):
    with pytest.raises(Exception, match="nothing.ckpt"):
        _five_dense().load_weights(str(tmp_path / "nothing.ckpt"))


# -- tf.math.softmax (lesson 16 topk: accuracy@k) --------------------------------------------
def test_math_softmax_is_nn_softmax():
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax
    p = tf.math.softmax(tf.constant([[1.0, 2.0, 3.0]]), axis=1).numpy()
    np.testing.assert_allclose(p, np.exp([[1, 2, 3]]) / np.exp([1, 2, 3]).sum(), rtol=1e-6)
    with pytest.raises(AttributeError):
        tf.math.no_such_op  # noqa: B018
