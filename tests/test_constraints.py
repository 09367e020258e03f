"""Constraints: Keras's projections, applied to a layer's weights after each step."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import constraints, layers
from glassnet.errors import UnknownNameError


def test_max_norm_by_hand():
    # the column [3, 4] has norm 5: rescaled to norm 2; the column [0.3, 0.4] is left alone
    W = np.array([[3.0, 0.3], [4.0, 0.4]])
    np.testing.assert_allclose(constraints.max_norm(2)(W), [[1.2, 0.3], [1.6, 0.4]], rtol=1e-6)
    assert constraints.MaxNorm().max_value == 2.0  # Keras's default


def test_non_neg_unit_norm_min_max_norm():
    W = np.array([[3.0, -1.0], [-4.0, 0.0]])
    np.testing.assert_array_equal(constraints.non_neg()(W), [[3.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(np.linalg.norm(constraints.unit_norm()(W), axis=0), 1, rtol=1e-6)
    # norms 5 and 1 pushed into [2, 3]: 5 -> 3, 1 -> 2; with rate 0.5 halfway: 4 and 1.5
    got = constraints.MinMaxNorm(2.0, 3.0)(W)
    np.testing.assert_allclose(np.linalg.norm(got, axis=0), [3, 2], rtol=1e-6)
    got = constraints.min_max_norm(2.0, 3.0, rate=0.5)(W)
    np.testing.assert_allclose(np.linalg.norm(got, axis=0), [4, 1.5], rtol=1e-6)


def test_axis_for_conv_kernels():
    W = np.random.default_rng(0).standard_normal((3, 3, 2, 4)) * 5
    got = constraints.MaxNorm(1.0, axis=[0, 1, 2])(W)
    np.testing.assert_allclose(np.sqrt((got ** 2).sum(axis=(0, 1, 2))), 1, rtol=1e-5)


def test_get_and_errors():
    assert constraints.get(None) is None
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    c = constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}})
    assert c.max_value == 3
    with pytest.raises(UnknownNameError, match="max_norm"):
        constraints.get("max_nrom")


def test_layer_apply_constraints_in_place_and_config(tmp_path):
    layer = layers.Dense(2, kernel_constraint=constraints.non_neg(),
                         bias_constraint=constraints.MaxNorm(1.0))
    layer(np.ones((1, 3)))
    assert layer.has_constraints and not layers.Dense(2).has_constraints
    kernel = layer.W
    layer.W[...] = [[-1, 2], [3, -4], [5, 6]]
    layer.b[...] = [3, 4]
    layer.apply_constraints()
    assert layer.W is kernel  # written in place: the model's θ sees it
    np.testing.assert_array_equal(layer.W, [[0, 2], [3, 0], [5, 6]])
    np.testing.assert_allclose(layer.b, [0.6, 0.8], rtol=1e-6)
    again = layers.Dense.from_config(layer.get_config())
    assert isinstance(again.kernel_constraint, constraints.NonNeg)
    assert again.bias_constraint.get_config() == {"max_value": 1.0, "axis": 0}


def test_constraints_hold_after_each_step_when_applied():
    """The model must call apply_constraints after optimizer.step (as Keras): checked here
    with a callback doing that call, until the model core does it itself."""

    class Apply(glassnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            for layer in self.model.layers:
                if getattr(layer, "has_constraints", False):
                    layer.apply_constraints()

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype("float32")
    y = -x.sum(axis=1, keepdims=True)  # wants negative weights
    glassnet.utils.set_random_seed(0)
    model = glassnet.Sequential([layers.Input((4,)),
                                 layers.Dense(1, kernel_constraint="non_neg")])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[Apply()])
    assert (model.layers[0].W >= 0).all()
