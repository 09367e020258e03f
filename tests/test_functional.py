"""The functional API: graph models, merge layers, shared layers, nested models.

Gradients are checked against central differences in float64 (the ``float64`` fixture),
for each merge layer alone and for whole graphs with fan-out, shared layers and nested
models; the same weights and data in Keras 3 give the same History (test_keras_reference).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import layers, optimizers
from glassnet.errors import InputError

EPS = 1e-6


def numeric_grad(f, x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to every entry of ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + EPS
        up = f()
        x[i] = old - EPS
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * EPS)
    return g


# -- merge layers -----------------------------------------------------------------------------
MERGES = [
    ("add", lambda: layers.Add(), 3),
    ("subtract", lambda: layers.Subtract(), 2),
    ("multiply", lambda: layers.Multiply(), 3),
    ("average", lambda: layers.Average(), 3),
    ("maximum", lambda: layers.Maximum(), 3),
    ("minimum", lambda: layers.Minimum(), 2),
    ("concatenate", lambda: layers.Concatenate(), 3),
    ("concatenate_axis1", lambda: layers.Concatenate(axis=1), 2),
]


@pytest.mark.parametrize("name,make,n", MERGES, ids=[m[0] for m in MERGES])
def test_merge_layer_gradients(name, make, n, float64):
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((4, 3, 2)) for _ in range(n)]
    layer = make()
    out = layer(xs)
    w = rng.standard_normal(out.shape)  # L = Σ w·y, so dL/dy = w

    def loss() -> float:
        return float((layer.forward(xs) * w).sum())

    layer.forward(xs)
    dxs = layer.backward(w)
    assert len(dxs) == n
    for x, dx in zip(xs, dxs):
        np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)


def test_merge_values_by_hand():
    a, b = np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])
    np.testing.assert_array_equal(layers.Add()([a, b]), [[4, 7]])
    np.testing.assert_array_equal(layers.Subtract()([a, b]), [[-2, 3]])
    np.testing.assert_array_equal(layers.Multiply()([a, b]), [[3, 10]])
    np.testing.assert_array_equal(layers.Average()([a, b]), [[2, 3.5]])
    np.testing.assert_array_equal(layers.Maximum()([a, b]), [[3, 5]])
    np.testing.assert_array_equal(layers.Minimum()([a, b]), [[1, 2]])
    np.testing.assert_array_equal(layers.Concatenate()([a, b]), [[1, 5, 3, 2]])


def test_merge_shape_mismatch_names_both_shapes():
    a, b = glassnet.Input(shape=(4,)), glassnet.Input(shape=(5,))
    with pytest.raises(InputError, match=r"\(None, 4\).*\(None, 5\)"):
        layers.Add()([a, b])
    with pytest.raises(InputError, match="list"):
        layers.Add()(a)
    c = glassnet.Input(shape=(3, 2))
    with pytest.raises(InputError, match=r"\(None, 3, 2\)"):
        layers.Concatenate()([glassnet.Input(shape=(4, 5)), c])


# -- whole graphs: backpropagation against central differences ------------------------------
def check_graph_gradients(model, x, y) -> int:
    """dL/dθ from one real ``train_step`` (with SGD at rate 0, so θ does not move) against
    central differences of the loss in every entry of θ."""
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss=model.compiled.loss_spec,
                  loss_weights=model.compiled.weight_spec)
    xs, ys = model.prepare(x, y)
    theta = model.bind().theta
    before = theta.copy()
    model.train_step(xs, ys)
    np.testing.assert_array_equal(theta, before)
    n = model.parameters.n_trainable
    analytic = model.parameters.grad[:n].copy()

    def loss() -> float:
        return float(model.compiled.loss_value(ys, model.graph.forward(xs)))

    numeric = np.empty(n)
    for i in range(n):
        old = theta[i]
        theta[i] = old + EPS
        up = loss()
        theta[i] = old - EPS
        down = loss()
        theta[i] = old
        numeric[i] = (up - down) / (2 * EPS)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
    return n


def test_residual_graph_with_fan_out(float64):
    glassnet.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    inputs = glassnet.Input(shape=(4,))
    h = layers.Dense(5, activation="tanh")(inputs)
    a = layers.Dense(5, activation="tanh")(h)      # h feeds three nodes: a, b and the skip
    b = layers.Dense(5, activation="sigmoid")(h)
    merged = layers.add([h, a, layers.multiply([a, b])])
    outputs = layers.Dense(3, activation="softmax")(layers.concatenate([merged, h]))
    model = glassnet.Model(inputs, outputs)
    model.compile(loss="sparse_categorical_crossentropy")
    assert model.compiled_outputs()[0].fused
    n = check_graph_gradients(model, rng.standard_normal((6, 4)), rng.integers(0, 3, 6))
    assert n == model.count_params()


def test_shared_layer_gradient_is_summed_over_calls(float64):
    glassnet.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    left, right = glassnet.Input(shape=(3,), name="left"), glassnet.Input(shape=(3,),
                                                                           name="right")
    shared = layers.Dense(4, activation="tanh")
    merged = layers.subtract([shared(left), shared(right)])
    twice = shared(layers.Dense(3, activation="tanh")(merged))  # a third call, deeper
    outputs = layers.Dense(1)(twice)
    model = glassnet.Model([left, right], outputs)
    model.compile(loss="mse")
    x = {"left": rng.standard_normal((5, 3)), "right": rng.standard_normal((5, 3))}
    check_graph_gradients(model, x, rng.standard_normal((5, 1)))
    assert len(shared.inbound_nodes) == 3


def test_nested_models_and_two_outputs_with_loss_weights(float64):
    glassnet.utils.set_random_seed(4)
    rng = np.random.default_rng(4)
    base = glassnet.Sequential([layers.Dense(6, activation="tanh", input_shape=(5,)),
                                layers.Dense(4, activation="tanh")])
    inner_in = glassnet.Input(shape=(4,))
    head = glassnet.Model(inner_in, layers.Dense(4, activation="sigmoid")(inner_in))
    inputs = glassnet.Input(shape=(5,))
    features = head(base(inputs))
    score = layers.Dense(1, name="score")(features)
    kind = layers.Dense(3, activation="softmax", name="kind")(features)
    model = glassnet.Model(inputs, {"score": score, "kind": kind})
    model.compile(loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 0.3, "kind": 2.0})
    x = rng.standard_normal((6, 5))
    y = {"score": rng.standard_normal((6, 1)), "kind": rng.integers(0, 3, 6)}
    n = check_graph_gradients(model, x, y)
    assert n == base.count_params() + head.count_params() + 5 + 15


# -- the Keras API around graphs -------------------------------------------------------------
def two_in_two_out():
    title = glassnet.Input(shape=(8,), name="title")
    body = glassnet.Input(shape=(6,), name="body")
    x = layers.concatenate([layers.Dense(4, activation="relu")(title),
                            layers.Dense(4, activation="relu")(body)])
    priority = layers.Dense(1, name="priority")(x)
    department = layers.Dense(3, activation="softmax", name="department")(x)
    return glassnet.Model(inputs=[title, body], outputs=[priority, department])


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = {"title": rng.standard_normal((n, 8)), "body": rng.standard_normal((n, 6))}
    y = {"priority": rng.standard_normal((n, 1)), "department": rng.integers(0, 3, n)}
    return x, y


def test_multi_output_history_keys_and_predict_structure():
    model = two_in_two_out()
    model.compile(optimizer="adam", loss={"priority": "mse",
                                          "department": "sparse_categorical_crossentropy"},
                  loss_weights={"priority": 1.0, "department": 0.2},
                  metrics={"department": ["accuracy"]})
    x, y = data()
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25)
    assert set(history.history) == {"loss", "priority_loss", "department_loss",
                                    "department_accuracy", "val_loss", "val_priority_loss",
                                    "val_department_loss", "val_department_accuracy"}
    h = {k: v[-1] for k, v in history.history.items()}
    assert h["loss"] == pytest.approx(h["priority_loss"] + 0.2 * h["department_loss"],
                                      rel=1e-5)
    out = model.predict([x["title"], x["body"]], verbose=0)
    assert isinstance(out, list) and out[0].shape == (40, 1) and out[1].shape == (40, 3)
    logs = model.evaluate(x, [y["priority"], y["department"]], verbose=0, return_dict=True)
    assert set(logs) == {"loss", "priority_loss", "department_loss", "department_accuracy"}
    assert model.metrics_names == ["loss", "priority_loss", "department_loss",
                                   "department_accuracy"]


def test_feature_extraction_sub_model_shares_weights():
    model = two_in_two_out()
    features = glassnet.Model(model.inputs, model.layers[4].output)  # the concatenation
    x, _ = data()
    assert features.predict(x, verbose=0).shape == (40, 8)
    assert features.layers[2] is model.layers[2]


def test_model_as_layer_frozen_base():
    base = glassnet.Sequential([layers.Dense(6, activation="relu", input_shape=(4,))])
    model = glassnet.Sequential([base, layers.Dense(2, activation="softmax")])
    base.trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = base.get_weights()
    rng = np.random.default_rng(5)
    model.fit(rng.standard_normal((32, 4)), rng.integers(0, 2, 32), verbose=0, epochs=2)
    for w, v in zip(before, base.get_weights()):
        np.testing.assert_array_equal(w, v)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    base.trainable = True
    model.fit(rng.standard_normal((32, 4)), rng.integers(0, 2, 32), verbose=0)
    assert not np.array_equal(before[0], base.get_weights()[0])


def test_save_load_and_config_round_trip(tmp_path):
    model = two_in_two_out()
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics=[[], ["accuracy"]])
    x, y = data()
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "graph.glassnet"
    model.save(path)
    loaded = glassnet.models.load_model(path)
    for a, b in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    assert loaded.get_config()["output_layers"] == model.get_config()["output_layers"]
    again = glassnet.Model.from_config(model.get_config())
    again.set_weights(model.get_weights())
    np.testing.assert_array_equal(again.predict(x, verbose=0)[1], model.predict(x,
                                                                               verbose=0)[1])
    history = loaded.fit(x, y, epochs=1, verbose=0)  # compile settings came back
    assert "department_accuracy" in history.history


def test_summary_has_connected_to_column():
    lines = []
    two_in_two_out().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and "title[0][0]" in text


def test_functional_and_sequential_give_the_same_training():
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((64, 10)), rng.integers(0, 3, 64)
    histories = []
    for functional in (False, True):
        glassnet.utils.set_random_seed(6)
        if functional:
            inputs = glassnet.Input(shape=(10,))
            h = layers.Dense(8, activation="relu")(inputs)
            model = glassnet.Model(inputs, layers.Dense(3, activation="softmax")(h))
        else:
            model = glassnet.Sequential([layers.Dense(8, activation="relu", input_shape=(10,)),
                                         layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        histories.append(model.fit(x, y, epochs=3, verbose=0).history)
    assert histories[0] == histories[1]


def test_sequential_pop_and_add_are_cheap_and_correct():
    model = glassnet.Sequential([layers.Dense(4, input_shape=(3,))])
    for _ in range(2000):  # each add extends the chain by one node (no rebuild)
        model.add(layers.Activation("linear"))
    assert model.predict(np.ones((1, 3)), verbose=0).shape == (1, 4)
    model.pop()
    assert len(model.layers) == 2000 and model.output_shape == (None, 4)


# -- clear errors ----------------------------------------------------------------------------
def test_output_not_connected_to_inputs():
    a, b = glassnet.Input(shape=(3,), name="a"), glassnet.Input(shape=(3,), name="b")
    out = layers.Dense(1)(layers.add([a, b]))
    with pytest.raises(InputError, match="not connected.*'b'"):
        glassnet.Model(a, out)


def test_cycle_is_refused():
    inputs = glassnet.Input(shape=(2,))
    h = layers.Dense(2)(inputs)
    node = h.node
    node.inputs = [h]  # tampered: the layer reads its own output
    with pytest.raises(InputError, match="cycle"):
        glassnet.Model(inputs, h)


def test_dict_keys_that_name_no_output():
    model = two_in_two_out()
    model.compile(loss={"priority": "mse", "department": "sparse_categorical_crossentropy"})
    x, y = data()
    with pytest.raises(InputError, match=r"\['prio'\].*\['priority', 'department'\]"):
        model.fit(x, {"prio": y["priority"], "department": y["department"]}, verbose=0)
    with pytest.raises(InputError, match="not outputs"):
        model.compile(loss={"dept": "mse"})
    with pytest.raises(InputError, match="2 inputs"):
        model.fit(x["title"], y, verbose=0)


def test_symbolic_tensor_passed_to_fit():
    inputs = glassnet.Input(shape=(3,))
    model = glassnet.Model(inputs, layers.Dense(1)(inputs))
    model.compile(loss="mse")
    with pytest.raises(InputError, match="symbolic"):
        model.fit(inputs, np.zeros((4, 1)))
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(inputs)


def test_shared_layer_on_another_shape():
    dense = layers.Dense(2)
    dense(glassnet.Input(shape=(3,)))
    with pytest.raises(InputError, match="shared"):
        dense(glassnet.Input(shape=(4,)))


# -- the model core under stress (issue 15) ----------------------------------------------------
def test_predict_from_another_thread_during_fit_changes_nothing():
    import threading

    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((256, 20)).astype(np.float32), rng.integers(0, 3, 256)

    def trained(disturb: bool):
        glassnet.utils.set_random_seed(7)
        model = glassnet.Sequential([layers.Dense(16, activation="relu", input_shape=(20,)),
                                     layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        stop = threading.Event()

        def hammer():
            while not stop.is_set():
                model.predict(x[:7], verbose=0)
                model(x[:32])
        worker = threading.Thread(target=hammer) if disturb else None
        if worker:
            worker.start()
        try:
            model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        finally:
            stop.set()
            if worker:
                worker.join()
        return model.get_weights()

    for a, b in zip(trained(False), trained(True)):
        np.testing.assert_array_equal(a, b)


def test_a_second_fit_in_another_thread_is_refused():
    import threading

    model = glassnet.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(loss="mse")
    errors = []

    class Second(glassnet.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            def other():
                try:
                    model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
                except RuntimeError as err:
                    errors.append(str(err))
            t = threading.Thread(target=other)
            t.start()
            t.join()

    model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0, callbacks=[Second()])
    assert errors and "another thread" in errors[0]


def test_a_refused_fit_leaves_an_unbuilt_model_unbuilt():
    model = glassnet.Sequential([layers.Dense(4, activation="relu"),
                                 layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(InputError, match="label value of 7"):
        model.fit(np.zeros((5, 6)), np.array([0, 1, 2, 7, 1]), verbose=0)
    assert not model.built
    model.fit(np.zeros((5, 4)), np.array([0, 1, 2, 2, 1]), verbose=0)  # other features: fine
    assert model.input_shape == (None, 4)


def test_a_config_of_28000_layers_loads_in_linear_time(monkeypatch):
    """Each add extends the chain by one node: no rebuild of the chain, no graph per add
    (counted, not timed: that made 28,000 layers take minutes)."""
    from glassnet import model as model_module

    model = glassnet.Sequential([layers.Input(shape=(2,))] +
                                [layers.Activation("linear") for _ in range(28000)])
    config = model.get_config()
    calls = {"rebuild": 0, "graph": 0}
    rebuild, graph_init = model_module.Sequential._rebuild, model_module.Graph.__init__

    def counted_rebuild(self):
        calls["rebuild"] += 1
        rebuild(self)

    def counted_graph(self, *args):
        calls["graph"] += 1
        graph_init(self, *args)
    monkeypatch.setattr(model_module.Sequential, "_rebuild", counted_rebuild)
    monkeypatch.setattr(model_module.Graph, "__init__", counted_graph)
    again = glassnet.Sequential.from_config(config)
    assert calls == {"rebuild": 0, "graph": 0}
    assert again.predict(np.ones((1, 2)), verbose=0).shape == (1, 2)
    assert calls["graph"] == 1


def test_a_network_compiled_alone_trains_right_inside_another_model():
    """Compiling the inner network fuses its softmax with its loss; training the outer model
    (whose output is the inner model, so nothing is fused) must still backpropagate through
    the softmax: the same steps as one flat model with the same weights."""
    L = glassnet.keras.layers
    x = np.random.default_rng(0).normal(size=(16, 5)).astype("float32")
    y = np.arange(16) % 3
    glassnet.utils.set_random_seed(0)
    inner = glassnet.keras.Sequential([L.Dense(4, activation="relu", input_shape=(5,)),
                                       L.Dense(3, activation="softmax")])
    inner.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    inner.train_on_batch(x, y)  # fused with its loss
    outer = glassnet.keras.Sequential([L.Input(shape=(5,)), inner])
    outer.compile(optimizer=glassnet.keras.optimizers.SGD(0.5),
                  loss="sparse_categorical_crossentropy")
    flat = glassnet.keras.Sequential([L.Dense(4, activation="relu", input_shape=(5,)),
                                      L.Dense(3, activation="softmax")])
    flat.compile(optimizer=glassnet.keras.optimizers.SGD(0.5),
                 loss="sparse_categorical_crossentropy")
    flat.set_weights(inner.get_weights())
    outer.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    flat.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(inner.get_weights(), flat.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
