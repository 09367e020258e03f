"""``TimeDistributed``: one layer on every step, weights shared, gradients summed over steps."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, check_layer, check_model_gradients, numerical_grad

import glassnet
from glassnet import layers


def test_time_distributed_dense_values(seed):
    x = seed.standard_normal((2, 4, 3)).astype("float32")
    wrapper = layers.TimeDistributed(layers.Dense(5, activation="tanh"))
    y = np.asarray(wrapper(x))
    assert y.shape == (2, 4, 5)
    dense = wrapper.layer
    np.testing.assert_allclose(y, np.tanh(x @ dense.W + dense.b), rtol=1e-5, atol=1e-6)
    assert [w.name for w in wrapper.weights] == [f"{dense.name}/kernel", f"{dense.name}/bias"]
    assert wrapper.count_params() == 20


@pytest.mark.parametrize("make, shape", [
    (lambda: layers.Dense(3, activation="tanh", bias_initializer="random_normal"), (2, 4, 5)),
    (lambda: layers.Conv2D(2, 2, bias_initializer="random_normal"), (2, 3, 4, 4, 1)),
])
def test_time_distributed_gradient(make, shape, float64):
    """dx, and dW summed over the steps, against central differences."""
    glassnet.utils.set_random_seed(8)
    rng = np.random.default_rng(8)
    wrapper = layers.TimeDistributed(make())
    x = rng.standard_normal(shape)
    wrapper(x)
    check_layer(wrapper.layer, x.reshape(-1, *shape[2:]), rng)  # the inner layer alone
    # the wrapper: its weights are the inner layer's, so check them through the wrapper
    dy = rng.standard_normal(np.asarray(wrapper(x)).shape)
    wrapper.forward(x)
    dx = wrapper.backward(dy)

    def loss():
        return float(np.sum(dy * wrapper.forward(x)))

    assert_grad_close(dx, numerical_grad(loss, x))
    for k, p in wrapper.layer.params.items():
        analytic = wrapper.layer.grads[k].copy()
        assert_grad_close(analytic, numerical_grad(loss, p))


def test_time_distributed_in_a_model_gradient_fit_and_save(float64, tmp_path):
    glassnet.utils.set_random_seed(9)
    rng = np.random.default_rng(9)
    model = glassnet.Sequential([layers.Input((3, 4)),
                                 layers.TimeDistributed(layers.Dense(3, activation="tanh")),
                                 layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.standard_normal((5, 3, 4)), rng.standard_normal((5, 2))
    assert check_model_gradients(model, x, y) == model.count_params() == 15 + 20
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    for path in ("m.glassnet", "m.keras"):
        model.save(tmp_path / path)
        again = glassnet.models.load_model(tmp_path / path)
        np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_time_distributed_on_sequences_of_any_length_and_frozen():
    wrapper = layers.TimeDistributed(layers.Dense(2))
    model = glassnet.Sequential([layers.Input((None, 3)), wrapper])
    assert model.predict(np.ones((2, 7, 3), "float32"), verbose=0).shape == (2, 7, 2)
    wrapper.trainable = False
    assert not wrapper.layer.trainable and model.count_params() == 8
    assert wrapper.trainable_weights == []


def test_time_distributed_needs_a_time_axis():
    with pytest.raises(glassnet.errors.InputError, match=r"\(batch, steps, \.\.\.\)"):
        layers.TimeDistributed(layers.Dense(2))(layers.Input((3,)))
    with pytest.raises(ValueError, match="wraps a layer"):
        layers.TimeDistributed("dense")
