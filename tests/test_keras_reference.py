"""glassnet's graph models against Keras 3: same weights in, same History and predictions out.

The reference runs in ``tests/data/keras_refs/*.npz`` were written by real Keras 3 (torch
backend) with ``tests/keras_reference/make_functional_refs.py``, from a throwaway venv that is
not a glassnet dependency (how to rebuild them: the script's docstring). Each file holds the
initial weights per layer name, the data, Keras's ``History.history``, the final weights and
``predict`` on held-out samples, for one of issue 11's four graph models — a residual graph,
a two-input/two-output model with dict losses and ``loss_weights``, a shared layer, and a
``Sequential`` model called as a layer — trained with SGD and with Adam, ``shuffle=False``.

Here glassnet builds the same graphs with its functional API (``glassnet.Input``, layers
called on tensors, ``glassnet.Model(inputs, outputs)``, ``layers.add``/``concatenate``),
sets the same weights with ``layer.set_weights``, fits, and must reproduce Keras's numbers to
float32 rounding. The builders below mirror ``make_functional_refs.py`` line for line.

``test_chain_matches_keras`` replays the nested-Sequential reference with a plain glassnet
``Sequential`` of the same three Dense layers (the same function): it checks the reference
conventions (loss averaging, metric names, ``val_`` keys, optimizer formulas) on the model core
that exists today.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import layers, losses, optimizers

REFS = Path(__file__).parent / "data" / "keras_refs"
RTOL, ATOL = 1e-4, 1e-6  # float32 rounding over a few dozen steps

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(learning_rate=0.05),
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
}


# -- the four graphs, as in make_functional_refs.py ----------------------------------------

def residual():
    inputs = glassnet.Input(shape=(10,), name="features")
    h1 = layers.Dense(16, activation="relu", name="dense_in")(inputs)
    h2 = layers.Dense(16, activation="relu", name="dense_mid")(h1)
    x = layers.add([h1, h2], name="skip")
    outputs = layers.Dense(1, name="target")(x)
    model = glassnet.Model(inputs=inputs, outputs=outputs, name="residual")
    return model, dict(loss="mse", metrics=["mae"])


def two_in_two_out():
    title_input = glassnet.Input(shape=(12,), name="title")
    body_input = glassnet.Input(shape=(20,), name="body")
    title_features = layers.Dense(8, activation="relu", name="title_dense")(title_input)
    body_features = layers.Dense(4, activation="relu", name="body_dense")(body_input)
    x = layers.concatenate([title_features, body_features], name="merged")
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(4, name="department")(x)
    model = glassnet.Model(inputs=[title_input, body_input],
                           outputs=[priority_pred, department_pred], name="tickets")
    return model, dict(
        loss={"priority": losses.BinaryCrossentropy(from_logits=True),
              "department": losses.CategoricalCrossentropy(from_logits=True)},
        loss_weights={"priority": 1.0, "department": 0.2},
        metrics={"department": ["accuracy"]},
    )


def shared_layer():
    left = glassnet.Input(shape=(6,), name="left")
    right = glassnet.Input(shape=(6,), name="right")
    shared = layers.Dense(5, activation="tanh", name="shared")
    x = layers.concatenate([shared(left), shared(right)], name="pair")
    outputs = layers.Dense(1, activation="sigmoid", name="same")(x)
    model = glassnet.Model(inputs=[left, right], outputs=outputs, name="siamese")
    return model, dict(loss="binary_crossentropy", metrics=["accuracy"])


def nested_sequential():
    encoder = glassnet.Sequential([glassnet.Input(shape=(8,)),
                                   layers.Dense(6, activation="relu", name="enc_1"),
                                   layers.Dense(4, activation="relu", name="enc_2")],
                                  name="encoder")
    inputs = glassnet.Input(shape=(8,), name="pixels")
    x = encoder(inputs)
    outputs = layers.Dense(3, activation="softmax", name="classes")(x)
    model = glassnet.Model(inputs=inputs, outputs=outputs, name="classifier")
    return model, dict(loss="sparse_categorical_crossentropy", metrics=["accuracy"])


BUILDERS = {"residual": residual, "two_in_two_out": two_in_two_out,
            "shared_layer": shared_layer, "nested_sequential": nested_sequential}


# -- reading a reference and comparing with it ---------------------------------------------

class Reference:
    """One ``.npz`` written by make_functional_refs.py, its arrays grouped by prefix."""

    def __init__(self, path: Path) -> None:
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
        self.meta = json.loads(str(arrays.pop("meta")))
        self.groups: dict[str, dict[str, np.ndarray]] = {}
        for key, value in arrays.items():
            prefix, rest = key.split(".", 1)
            self.groups.setdefault(prefix, {})[rest] = value

    def weights(self, which: str) -> dict[str, list[np.ndarray]]:
        """``init`` or ``final``: layer name → its arrays in Keras's order."""
        out: dict[str, list[np.ndarray]] = {}
        for key in sorted(self.groups[which], key=lambda k: (k.rsplit(".", 1)[0],
                                                             int(k.rsplit(".", 1)[1]))):
            name, _ = key.rsplit(".", 1)
            out.setdefault(name, []).append(self.groups[which][key])
        return out

    def data(self, prefix: str):
        """A single input or output as its array, several as the dict by name (as fit was fed)."""
        d = self.groups[prefix]
        return next(iter(d.values())) if len(d) == 1 else dict(d)


def reference_files() -> list[Path]:
    """The graph references (the folder also holds other tests' Keras references)."""
    return sorted(f for f in REFS.glob("*.npz") if f.stem.rsplit("_", 1)[0] in BUILDERS)


def leaf_layers(model):
    """Layers that own weights, depth first (a nested model's layers in place of it)."""
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from leaf_layers(layer)
        elif layer.get_weights():
            yield layer


def set_reference_weights(model, ref: Reference) -> None:
    init = ref.weights("init")
    leaves = {layer.name: layer for layer in leaf_layers(model)}
    assert sorted(leaves) == sorted(init), "the graph's weighted layers differ from Keras's"
    for name, arrays in init.items():
        leaves[name].set_weights(arrays)
        for got, want in zip(leaves[name].get_weights(), arrays):
            np.testing.assert_array_equal(got, want)


def assert_matches(model, history, ref: Reference) -> None:
    want = {k: v for k, v in ref.groups["history"].items()}
    assert sorted(history.history) == sorted(want), "History keys differ from Keras's"
    for key, values in want.items():
        np.testing.assert_allclose(history.history[key], values, rtol=RTOL, atol=ATOL,
                                   err_msg=f"History[{key!r}]")
    final = ref.weights("final")
    for layer in leaf_layers(model):
        for i, (got, exp) in enumerate(zip(layer.get_weights(), final[layer.name])):
            np.testing.assert_allclose(got, exp, rtol=RTOL, atol=1e-5,
                                       err_msg=f"final weight {i} of layer {layer.name!r}")
    pred = model.predict(ref.data("xt"), batch_size=ref.meta["fit"]["batch_size"], verbose=0)
    outputs = ref.meta["outputs"]
    if isinstance(pred, dict):
        got = pred
    elif isinstance(pred, (list, tuple)):
        got = dict(zip(outputs, pred))
    else:
        got = {outputs[0]: pred}
    assert sorted(got) == sorted(ref.groups["pred"])
    for name, exp in ref.groups["pred"].items():
        np.testing.assert_allclose(np.asarray(got[name]), exp, rtol=RTOL, atol=1e-5,
                                   err_msg=f"predict, output {name!r}")


def fit_like_keras(model, compile_kw: dict, ref: Reference):
    model.compile(optimizer=OPTIMIZERS[ref.meta["optimizer"]](), **compile_kw)
    fit_kw = dict(ref.meta["fit"])
    if ref.meta["validation"]:
        fit_kw["validation_data"] = (ref.data("vx"), ref.data("vy"))
    return model.fit(ref.data("x"), ref.data("y"), **fit_kw)


# -- the tests --------------------------------------------------------------------------------

def test_references_are_present_and_small():
    files = reference_files()
    assert {f.stem for f in files} == {f"{m}_{o}" for m in BUILDERS for o in OPTIMIZERS}
    assert sum(f.stat().st_size for f in files) < 200_000


@pytest.mark.parametrize("path", reference_files(), ids=lambda p: p.stem)
def test_graph_model_matches_keras(path: Path):
    ref = Reference(path)
    glassnet.utils.set_random_seed(0)
    model, compile_kw = BUILDERS[ref.meta["model"]]()
    set_reference_weights(model, ref)
    history = fit_like_keras(model, compile_kw, ref)
    assert_matches(model, history, ref)


@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_chain_matches_keras(opt: str):
    """The nested-Sequential graph is a chain of three Dense layers: today's Sequential."""
    ref = Reference(REFS / f"nested_sequential_{opt}.npz")
    glassnet.utils.set_random_seed(0)
    model = glassnet.Sequential([glassnet.Input(shape=(8,)),
                                 layers.Dense(6, activation="relu", name="enc_1"),
                                 layers.Dense(4, activation="relu", name="enc_2"),
                                 layers.Dense(3, activation="softmax", name="classes")])
    set_reference_weights(model, ref)
    history = fit_like_keras(model, dict(loss="sparse_categorical_crossentropy",
                                         metrics=["accuracy"]), ref)
    assert_matches(model, history, ref)
