"""keras.losses.CosineSimilarity (+ cosine_similarity) and keras.metrics.MeanIoU."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, check_model_gradients, numerical_grad

import glassnet
import glassnet as tf
from glassnet import layers, losses, metrics


def test_cosine_similarity_keras_example():
    """keras.io's example: y = [[0, 1], [1, 1]], ŷ = [[1, 0], [1, 1]]: cosines 0 and 1."""
    y, p = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0], [1.0, 1.0]])
    assert float(losses.CosineSimilarity(axis=1)(y, p)) == pytest.approx(-0.5)
    np.testing.assert_allclose(losses.cosine_similarity(y, p), [0.0, -1.0], atol=1e-7)
    assert losses.get("cosine_similarity").name == "cosine_similarity"
    assert type(losses.get(losses.cosine_similarity)) is losses.CosineSimilarity


def test_cosine_similarity_gradient(float64):
    rng = np.random.default_rng(1)
    loss = losses.CosineSimilarity()
    y, p = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    numeric = numerical_grad(lambda: float(loss.forward(y, p)), p)
    assert_grad_close(loss.backward(y, p), numeric)
    assert abs(float(np.sum(loss.backward(y, p) * p))) < 1e-12  # orthogonal to ŷ


def test_cosine_similarity_in_a_model_and_on_a_tape(float64):
    glassnet.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    model = glassnet.Sequential([layers.Dense(4, activation="tanh"), layers.Dense(3)])
    model.compile(optimizer="sgd", loss="cosine_similarity")
    x, y = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    assert check_model_gradients(model, x, y) == 24 + 15
    pred = tf.Variable(rng.standard_normal((6, 3)))
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(losses.cosine_similarity(y, pred))
    assert_grad_close(tape.gradient(value, pred).numpy(),
                      losses.CosineSimilarity().backward(y, pred.numpy()))


def test_mean_iou_keras_example():
    """keras.io: y = [0, 0, 1, 1], ŷ = [0, 1, 0, 1]: IoU 1/3 for both classes."""
    m = metrics.MeanIoU(num_classes=2)
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    assert m.result() == pytest.approx(1 / 3)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    assert m.result() == pytest.approx((0.3 / 0.9 + 0.1 / 0.7) / 2)  # keras.io: 0.2380952


def test_mean_iou_on_segmentation_scores_and_ignore_class(seed):
    y = seed.integers(0, 3, (2, 4, 4))
    scores = np.eye(3)[y] + 0.1 * seed.random((2, 4, 4, 3))
    m = metrics.MeanIoU(3, sparse_y_pred=False)
    assert m(y, scores) == pytest.approx(1.0)
    wrong = np.roll(scores, 1, axis=-1)  # every pixel predicted as the next class
    assert metrics.MeanIoU(3, sparse_y_pred=False)(y, wrong) == 0.0
    ignored = metrics.MeanIoU(3, ignore_class=0)
    ignored.update_state([0, 1, 2], [2, 1, 2])
    assert ignored.result() == pytest.approx(1.0)  # the pixel of class 0 is left out
    with pytest.raises(ValueError, match="sparse_y_pred=False"):
        metrics.MeanIoU(3).update_state(y, scores)


def test_mean_iou_in_fit(seed):
    model = glassnet.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=[metrics.MeanIoU(3, sparse_y_pred=False)])
    history = model.fit(seed.random((16, 4)), seed.integers(0, 3, 16), epochs=1, verbose=0)
    assert 0 <= history.history["mean_io_u"][0] <= 1
