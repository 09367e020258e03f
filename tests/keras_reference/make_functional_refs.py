"""Write the Keras 3 reference runs that tests/test_keras_reference.py compares glassnet with.

Run with the throwaway Keras venv (see /work/notes/KENV.md; not a glassnet dependency):

    KERAS_BACKEND=torch /work/kenv/bin/python tests/keras_reference/make_functional_refs.py

For each of the four graph models of issue 11's acceptance (a residual graph, a two-input /
two-output model with ``loss_weights``, a shared layer, a Sequential model used as a layer)
and each optimizer (SGD, Adam), it builds the model with Keras's functional API, sets
weights drawn from a seeded NumPy generator (not Keras's initializers, so that the test does
not depend on either library's random streams), fits on small seeded random data with a fixed
batch size and ``shuffle=False``, and saves to ``tests/data/keras_refs/<model>_<opt>.npz``:

* ``init.<layer>.<i>``   the weights set before training, per layer name (Keras order)
* ``x.<input>`` / ``y.<output>`` / ``vx.`` / ``vy.``   training (and validation) data
* ``history.<key>``      ``History.history[key]``, one value per epoch
* ``final.<layer>.<i>``  the weights after training
* ``pred.<output>``      ``model.predict(x_test)``, and ``xt.<input>`` that x_test
* ``meta``               a JSON string: Keras version, backend, fit arguments

The model definitions here and in the test are written side by side: keep them in step.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "keras_refs"
EPOCHS = 3
BATCH = 16
N, N_VAL, N_TEST = 48, 16, 8

OPTIMIZERS = {
    "sgd": lambda: keras.optimizers.SGD(learning_rate=0.05),
    "adam": lambda: keras.optimizers.Adam(learning_rate=0.01),
}


def residual():
    """(a) Dense → Dense, added back onto the first Dense's output (a skip connection)."""
    inputs = keras.Input(shape=(10,), name="features")
    h1 = layers.Dense(16, activation="relu", name="dense_in")(inputs)
    h2 = layers.Dense(16, activation="relu", name="dense_mid")(h1)
    x = layers.add([h1, h2], name="skip")
    outputs = layers.Dense(1, name="target")(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="residual")
    compile_kw = dict(loss="mse", metrics=["mae"])

    def data(rng, n):
        x = rng.normal(size=(n, 10)).astype("float32")
        y = (x[:, :3].sum(axis=1, keepdims=True) + 0.1 * rng.normal(size=(n, 1)))
        return {"features": x}, {"target": y.astype("float32")}

    return model, compile_kw, data, True


def two_in_two_out():
    """(b) The Functional API guide's ticket model, scaled down, Embedding/LSTM → Dense.

    Two named inputs, concatenated; two named outputs with different losses, given as
    dicts, and ``loss_weights``; a metric on one output.
    """
    title_input = keras.Input(shape=(12,), name="title")
    body_input = keras.Input(shape=(20,), name="body")
    title_features = layers.Dense(8, activation="relu", name="title_dense")(title_input)
    body_features = layers.Dense(4, activation="relu", name="body_dense")(body_input)
    x = layers.concatenate([title_features, body_features], name="merged")
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(4, name="department")(x)
    model = keras.Model(inputs=[title_input, body_input],
                        outputs=[priority_pred, department_pred], name="tickets")
    compile_kw = dict(
        loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
              "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
        loss_weights={"priority": 1.0, "department": 0.2},
        metrics={"department": ["accuracy"]},
    )

    def data(rng, n):
        title = rng.normal(size=(n, 12)).astype("float32")
        body = rng.normal(size=(n, 20)).astype("float32")
        priority = rng.random(size=(n, 1)).astype("float32")
        department = np.eye(4, dtype="float32")[rng.integers(0, 4, size=n)]
        return {"title": title, "body": body}, {"priority": priority, "department": department}

    return model, compile_kw, data, False


def shared_layer():
    """(c) One Dense layer called on two inputs (a siamese pair), outputs concatenated."""
    left = keras.Input(shape=(6,), name="left")
    right = keras.Input(shape=(6,), name="right")
    shared = layers.Dense(5, activation="tanh", name="shared")
    x = layers.concatenate([shared(left), shared(right)], name="pair")
    outputs = layers.Dense(1, activation="sigmoid", name="same")(x)
    model = keras.Model(inputs=[left, right], outputs=outputs, name="siamese")
    compile_kw = dict(loss="binary_crossentropy", metrics=["accuracy"])

    def data(rng, n):
        a = rng.normal(size=(n, 6)).astype("float32")
        b = rng.normal(size=(n, 6)).astype("float32")
        y = ((a * b).sum(axis=1, keepdims=True) > 0).astype("float32")
        return {"left": a, "right": b}, {"same": y}

    return model, compile_kw, data, False


def nested_sequential():
    """(d) A Sequential model called on a tensor inside a functional model."""
    encoder = keras.Sequential([keras.Input(shape=(8,)),
                                layers.Dense(6, activation="relu", name="enc_1"),
                                layers.Dense(4, activation="relu", name="enc_2")],
                               name="encoder")
    inputs = keras.Input(shape=(8,), name="pixels")
    x = encoder(inputs)
    outputs = layers.Dense(3, activation="softmax", name="classes")(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="classifier")
    compile_kw = dict(loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def data(rng, n):
        x = rng.normal(size=(n, 8)).astype("float32")
        y = (np.argmax(x[:, :3], axis=1)).astype("int64")
        return {"pixels": x}, {"classes": y}

    return model, compile_kw, data, True


MODELS = {"residual": residual, "two_in_two_out": two_in_two_out,
          "shared_layer": shared_layer, "nested_sequential": nested_sequential}


def leaf_layers(model):
    """Layers that own weights, depth first (a nested model's layers in place of it)."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from leaf_layers(layer)
        elif layer.weights:
            yield layer


def seeded_weights(model, rng) -> dict[str, list[np.ndarray]]:
    """Kernels ~ U(-√(6/(fan_in+fan_out)), +…) (Glorot's range), biases ~ N(0, 0.1)."""
    weights = {}
    for layer in leaf_layers(model):
        arrays = []
        for w in layer.get_weights():
            if w.ndim == 2:
                limit = np.sqrt(6.0 / sum(w.shape))
                arrays.append(rng.uniform(-limit, limit, size=w.shape).astype("float32"))
            else:
                arrays.append(rng.normal(0.0, 0.1, size=w.shape).astype("float32"))
        layer.set_weights(arrays)
        weights[layer.name] = arrays
    return weights


def unpack(d: dict[str, np.ndarray]):
    """A single input or output goes in as its array, several as the dict by name."""
    return next(iter(d.values())) if len(d) == 1 else d


def make(name: str, opt: str) -> Path:
    rng = np.random.default_rng(sum(map(ord, name + opt)))
    keras.utils.set_random_seed(0)
    model, compile_kw, data, with_validation = MODELS[name]()
    init = seeded_weights(model, rng)
    x, y = data(rng, N)
    vx, vy = data(rng, N_VAL)
    xt, _ = data(rng, N_TEST)
    model.compile(optimizer=OPTIMIZERS[opt](), **compile_kw)
    fit_kw = dict(epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)
    if with_validation:
        fit_kw["validation_data"] = (unpack(vx), unpack(vy))
    history = model.fit(unpack(x), unpack(y), **fit_kw)
    pred = model.predict(unpack(xt), batch_size=BATCH, verbose=0)
    if not isinstance(pred, dict):
        pred = dict(zip(model.output_names, pred if isinstance(pred, list) else [pred]))

    arrays: dict[str, np.ndarray] = {}
    for layer_name, ws in init.items():
        for i, w in enumerate(ws):
            arrays[f"init.{layer_name}.{i}"] = w
    for layer in leaf_layers(model):
        for i, w in enumerate(layer.get_weights()):
            arrays[f"final.{layer.name}.{i}"] = w
    for prefix, d in (("x", x), ("y", y), ("xt", xt)):
        for k, v in d.items():
            arrays[f"{prefix}.{k}"] = v
    if with_validation:
        for prefix, d in (("vx", vx), ("vy", vy)):
            for k, v in d.items():
                arrays[f"{prefix}.{k}"] = v
    for k, v in history.history.items():
        arrays[f"history.{k}"] = np.asarray(v, dtype="float64")
    for k, v in pred.items():
        arrays[f"pred.{k}"] = np.asarray(v)
    meta = {"keras": keras.__version__, "backend": keras.backend.backend(),
            "model": name, "optimizer": opt, "fit": {k: v for k, v in fit_kw.items()
                                                    if k != "validation_data"},
            "validation": with_validation, "history_keys": sorted(history.history),
            "outputs": list(model.output_names)}
    arrays["meta"] = np.array(json.dumps(meta))
    path = OUT / f"{name}_{opt}.npz"
    np.savez_compressed(path, **arrays)
    return path


def main(argv: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    names = argv or list(MODELS)
    for name in names:
        for opt in OPTIMIZERS:
            path = make(name, opt)
            with np.load(path) as f:
                meta = json.loads(str(f["meta"]))
                hist = {k[8:]: np.round(f[k], 5).tolist() for k in f.files
                        if k.startswith("history.")}
            print(f"{path.name}: keras {meta['keras']} ({meta['backend']}) {hist}")


if __name__ == "__main__":
    main(sys.argv[1:])
