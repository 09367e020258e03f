"""GradientTape: TensorFlow's rules (watching, persistence, unconnected sources, non-scalar
targets, nested structures), the hand-written ``backward`` of built-in layers agreeing with
the tape, a two-layer network by hand and by tape, and PyTorch's autograd when installed."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf
from glassnet import layers
from glassnet import tape as tape_module
from glassnet.tensor import Tensor


def test_gradient_of_a_scalar_function():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x + 2 * x  # dy/dx = 2x + 2
    g = tape.gradient(y, x)
    assert isinstance(g, Tensor) and float(g) == 8.0 and g.dtype == np.float32


def test_a_tensor_used_twice_gets_both_contributions():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x * x  # 3x² = 12
    assert float(tape.gradient(y, x)) == 12.0


def test_constants_need_watch_and_unconnected_sources_get_none():
    x, c = tf.constant(3.0), tf.constant(4.0)
    v = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * c
    assert tape.gradient(y, x) is None  # not watched, as in TensorFlow
    assert tape.gradient(y, v) is None  # not used
    assert float(tape.gradient(y, v, unconnected_gradients="zero")) == 0.0
    assert float(tape.gradient(y, v, unconnected_gradients=tf.UnconnectedGradients.ZERO)) == 0


def test_non_persistent_tape_gives_one_set_of_gradients():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * 2
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)
    with tf.GradientTape(persistent=True) as tape:
        y, z = x * 2, x * 5
    assert float(tape.gradient(y, x)) == 2 and float(tape.gradient(z, x)) == 5


def test_non_scalar_target_is_summed_as_tensorflow_does():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    x = tf.constant([[1.0, -1.0]])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.matmul(x, w)  # shape (1, 2)
        total = tf.reduce_sum(y)
    np.testing.assert_array_equal(tape.gradient(y, w), tape.gradient(total, w))
    weights = np.array([[2.0, 0.5]], np.float32)
    np.testing.assert_allclose(tape.gradient(y, w, output_gradients=weights),
                               [[2.0, 0.5], [-2.0, -0.5]])
    with pytest.raises(ValueError, match=r"output_gradients has shape \(2,\).*\(1, 2\)"):
        tape.gradient(y, w, output_gradients=np.ones(2))
    # a list of targets is their sum
    np.testing.assert_allclose(tape.gradient([y, total], w), 2 * tape.gradient(total, w))


def test_sources_keep_their_structure():
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = a * b * c
    g = tape.gradient(y, {"a": a, "rest": [b, (c,)]})
    assert float(g["a"]) == 6 and float(g["rest"][0]) == 3 and float(g["rest"][1][0]) == 2
    assert isinstance(g["rest"][1], tuple)


def test_trainable_and_watch_accessed_variables():
    frozen = tf.Variable(2.0, trainable=False)
    v = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = frozen * v
    assert tape.gradient(y, frozen) is None and float(tape.gradient(y, v)) == 2
    assert tape.watched_variables() == [v] or tape.watched_variables()[0] is v
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(frozen)
        y = frozen * v
    g = tape.gradient(y, [frozen, v])
    assert float(g[0]) == 3 and g[1] is None


def test_stop_recording_and_stop_gradient():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = x * 100  # not recorded
        y = y + z + tf.stop_gradient(x * 7)
    assert float(tape.gradient(y, x)) == 4.0


def test_nested_tapes_each_record():
    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        a = x * x
        with tf.GradientTape() as inner:
            b = a * x  # x³
        dx_inner = inner.gradient(b, x)  # x² + (dA/dx was not recorded by inner) -> 9
    assert float(dx_inner) == 9.0  # the inner tape saw only b = a·x with a constant
    assert float(outer.gradient(b, x)) == 27.0  # 3x² through both ops


def test_integer_tensors_get_no_gradient():
    i = tf.constant([1, 2])
    with tf.GradientTape() as tape:
        tape.watch(i)
        y = tf.cast(i, tf.float32) * 2.0
    assert tape.gradient(y, i) is None


def test_numpy_function_under_a_tape_says_which_op_to_use():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape():
        with pytest.raises(TypeError, match=r"np.cumsum was applied to a tensor that a "
                                            r"GradientTape is watching.*tf.gather"):
            np.cumsum(x)
        with pytest.raises(TypeError, match=r"np.arctan.*tf.math"):
            np.arctan(x)
        y = np.exp(x)  # has a glassnet twin: runs as tf.exp, recorded
    assert isinstance(y, Tensor)
    assert isinstance(np.cumsum(x), Tensor)  # no tape watching: fine


def test_tape_lists_its_ops_with_shapes():
    x = tf.Variable(np.ones((2, 3), np.float32))
    with tf.GradientTape() as tape:
        tf.reduce_sum(tf.nn.relu(x @ tf.ones((3, 4))))
    assert [op.name for op in tape.ops] == ["matmul", "relu", "reduce_sum"]
    assert repr(tape.ops[0]) == "matmul((2, 3), (3, 4)) -> (2, 4)"
    text = tape.describe()
    assert "[0] matmul((2, 3), (3, 4)) -> (2, 4)" in text
    assert "dL/dA = dC · Bᵀ" in text and "max(x, 0)" in text and "y = Σ x" in text
    with tf.GradientTape() as tape:
        layers.Dense(2)(x)
    assert "vjp = Dense.backward (written by hand)" in tape.describe()


# -- built-in layers on the tape: their hand-written backward is the vjp ------------------
@pytest.mark.parametrize("activation", [None, "relu", "tanh", "softmax"])
def test_tape_through_dense_equals_dense_backward(activation, float64):
    rng = np.random.default_rng(0)
    dense = layers.Dense(3, activation=activation, bias_initializer="random_normal")
    x = rng.standard_normal((4, 5))
    dense.build((5,))
    dy = rng.standard_normal((4, 3))
    # by hand: forward, backward
    dense.forward(x)
    dx = dense.backward(dy)
    dW, db = dense.dW.copy(), dense.db.copy()
    # by tape
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = dense(xt)
    g = tape.gradient(y, [xt, *dense.trainable_variables], output_gradients=dy)
    np.testing.assert_allclose(g[0], dx, rtol=1e-12)
    np.testing.assert_allclose(g[1], dW, rtol=1e-12)
    np.testing.assert_allclose(g[2], db, rtol=1e-12)
    # and the same with the weights used through ops instead of the layer
    with tf.GradientTape() as tape:
        W, b = dense.trainable_variables
        z = tf.matmul(xt, W) + b
        a = {None: lambda t: t, "relu": tf.nn.relu, "tanh": tf.tanh,
             "softmax": tf.nn.softmax}[activation](z)
    g_ops = tape.gradient(a, [W, b], output_gradients=dy)
    np.testing.assert_allclose(g_ops[0], dW, rtol=1e-10)
    np.testing.assert_allclose(g_ops[1], db, rtol=1e-10)


def test_dense_fused_with_the_loss_in_fit_still_applies_its_activation_on_a_tape():
    dense = layers.Dense(3, activation="softmax")
    x = tf.constant(np.random.default_rng(2).standard_normal((4, 5)), tf.float32)
    dense(x)
    grads = []
    for fused in (False, True):  # what the model sets on its last layer for fit
        dense.fused_activation = fused
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(dense(x) * tf.constant([1.0, 2.0, 3.0]))
        grads.append(tape.gradient(loss, dense.trainable_variables)[0].numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert dense.fused_activation  # the model's setting is kept


def test_a_layer_called_twice_under_one_tape_differentiates_each_call(float64):
    """The second call overwrites the layer's x and z: the tape restores them per call."""
    rng = np.random.default_rng(1)
    for layer, shape in ((layers.Dense(3, activation="tanh"), (4, 5)),
                         (layers.Conv2D(2, 3, padding="same", activation="relu"), (2, 5, 5, 2)),
                         (layers.MaxPooling2D(), (2, 4, 4, 3))):
        x1, x2 = Tensor(rng.standard_normal(shape)), Tensor(rng.standard_normal(shape))
        layer(x1)  # build

        def loss(layer=layer, x1=x1, x2=x2):
            return tf.reduce_sum(layer(x1) * layer(x2))

        with tf.GradientTape() as tape:
            tape.watch([x1, x2])
            L = loss()
        sources = [x1, x2, *layer.trainable_variables]
        grads = tape.gradient(L, sources)
        for v, g in zip(sources, grads):
            numeric = numerical_grad(lambda: float(loss()), v.array)
            assert_grad_close(g.numpy(), numeric)


def test_ordinary_fit_records_no_tape(monkeypatch):
    """fit, evaluate and predict on built-in layers make no tape and not even a tensor."""
    def no_tape(*args, **kwargs):
        raise AssertionError("fit of built-in layers must not touch the tape")

    monkeypatch.setattr(tf.GradientTape, "__init__", no_tape)
    monkeypatch.setattr(Tensor, "__init__", no_tape)
    monkeypatch.setattr(tape_module, "record", no_tape)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 8)).astype(np.float32), rng.integers(0, 3, 64)
    model = tf.keras.Sequential([layers.Dense(16, activation="relu"),
                                 layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, validation_split=0.25)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)


# -- a two-layer network: gradients by hand, by the tape, and by central differences ---------
def two_layer_by_hand(x, onehot, W1, b1, W2, b2):
    """Backpropagation written out (the tutorial's derivation)."""
    n = len(x)
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    p = np.exp(z2 - z2.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    loss = -np.mean(np.sum(onehot * np.log(p), axis=1))
    dz2 = (p - onehot) / n
    dW2, db2 = a1.T @ dz2, dz2.sum(0)
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    dW1, db1 = x.T @ dz1, dz1.sum(0)
    return loss, [dW1, db1, dW2, db2]


def test_two_layer_network_by_hand_equals_the_tape(float64):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4))
    labels = rng.integers(0, 3, 6)
    onehot = np.eye(3)[labels]
    params = [rng.standard_normal((4, 5)), rng.standard_normal(5) * 0.1,
              rng.standard_normal((5, 3)), rng.standard_normal(3) * 0.1]
    loss_hand, grads_hand = two_layer_by_hand(x, onehot, *params)
    variables = [tf.Variable(p) for p in params]
    W1, b1, W2, b2 = variables

    def forward():
        h = tf.nn.relu(tf.matmul(x, W1) + b1)
        logits = tf.matmul(h, W2) + b2
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))

    with tf.GradientTape() as tape:
        loss = forward()
    grads = tape.gradient(loss, variables)
    assert float(loss) == pytest.approx(loss_hand, rel=1e-12)
    for g, h, v in zip(grads, grads_hand, variables):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-14)
        assert_grad_close(g.numpy(), numerical_grad(lambda: float(forward()), v.array))


# -- PyTorch's autograd on composite expressions ---------------------------------------
EXPRESSIONS = {
    "mlp_softmax_ce": lambda m, a, b, c: m.mean(m.log_softmax(m.matmul(m.tanh(a), b) + c)),
    "broadcast_mix": lambda m, a, b, c: m.sum(m.exp(a / 3) * m.sigmoid(c[:4])
                                              - m.sqrt(m.abs(a) + 1)),
    "reductions": lambda m, a, b, c: m.sum(m.max(a, 1) * m.mean(b, 0)[:3]) + m.lse(a),
    "power_clip_where": lambda m, a, b, c: m.sum(
        m.where(a > 0, a ** 2, m.clip(a, -0.5, 0.5))
        * m.sum(m.relu(m.t(b[:, :3]) @ b[:, :3])) / 10),
    "gather_concat_softmax": lambda m, a, b, c: m.sum(
        m.softmax(m.cat([a[[0, 2, 0]], a[1:]], 0))[1:4]
        * m.reshape(m.cat([a, a], 1), (3, -1))[:, :4]),
}


class _TF:
    sum, exp, sqrt, abs, sigmoid, tanh = (tf.reduce_sum, tf.exp, tf.sqrt, tf.abs, tf.sigmoid,
                                          tf.tanh)
    matmul, relu, where, softmax = tf.matmul, tf.nn.relu, tf.where, tf.nn.softmax
    log_softmax, reshape = staticmethod(tf.nn.log_softmax), staticmethod(tf.reshape)
    t = staticmethod(tf.transpose)

    @staticmethod
    def mean(x, axis=None):
        return tf.reduce_mean(x, axis=axis)

    @staticmethod
    def max(x, axis):
        return tf.reduce_max(x, axis=axis)

    @staticmethod
    def lse(x):
        return tf.reduce_logsumexp(x)

    @staticmethod
    def clip(x, lo, hi):
        return tf.clip_by_value(x, lo, hi)

    @staticmethod
    def cat(xs, axis):
        return tf.concat(xs, axis)


def _torch_ops(torch):
    class T:
        sum, exp, sqrt, abs = torch.sum, torch.exp, torch.sqrt, torch.abs
        sigmoid, tanh, matmul, relu = torch.sigmoid, torch.tanh, torch.matmul, torch.relu
        where, reshape = torch.where, torch.reshape

        @staticmethod
        def mean(x, axis=None):
            return x.mean() if axis is None else x.mean(axis)

        @staticmethod
        def max(x, axis):
            return x.max(axis).values

        @staticmethod
        def lse(x):
            return torch.logsumexp(x.reshape(-1), 0)

        @staticmethod
        def clip(x, lo, hi):
            return torch.clamp(x, lo, hi)

        @staticmethod
        def cat(xs, axis):
            return torch.cat(xs, axis)

        @staticmethod
        def t(x):
            return x.T

        @staticmethod
        def softmax(x):
            return torch.softmax(x, -1)

        @staticmethod
        def log_softmax(x):
            return torch.log_softmax(x, -1)

    return T


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_tape_equals_pytorch_autograd(name, float64):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    values = [rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)]
    f = EXPRESSIONS[name]
    variables = [tf.Variable(v) for v in values]
    with tf.GradientTape() as tape:
        out = f(_TF, *variables)
    ours = tape.gradient(out, variables)
    leaves = [torch.tensor(v, requires_grad=True) for v in values]
    ref = f(_torch_ops(torch), *leaves)
    ref.backward()
    assert float(out) == pytest.approx(ref.item(), rel=1e-10)
    for g, leaf in zip(ours, leaves):
        expected = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad.numpy()
        np.testing.assert_allclose(np.zeros(leaf.shape) if g is None else g.numpy(), expected,
                                   rtol=1e-9, atol=1e-12)


# -- optimizer.apply_gradients: a GradientTape loop steps like fit ---------------------------
@pytest.mark.parametrize("make", [lambda: tf.keras.optimizers.SGD(0.1, momentum=0.9),
                                  lambda: tf.keras.optimizers.Adam(0.01)])
def test_apply_gradients_steps_like_the_flat_vector_of_fit(make):
    rng = np.random.default_rng(5)
    W0, b0 = rng.standard_normal((3, 2)).astype(np.float32), np.zeros(2, np.float32)
    W, b = tf.Variable(W0), tf.Variable(b0)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    optimizer, reference = make(), make()
    theta = np.concatenate([W0.ravel(), b0])
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - 1.0))
        grads = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(grads, [W, b]))
        reference.step(theta, np.concatenate([g.numpy().ravel() for g in grads]))
    np.testing.assert_allclose(W.numpy().ravel(), theta[:6], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), theta[6:], rtol=1e-6)
    assert optimizer.iterations == 3
    with pytest.raises(ValueError, match="no gradients"):
        optimizer.apply_gradients([(None, W)])


# -- losses called as functions are ops too (their vjp is the hand-written backward) ----------
@pytest.mark.parametrize("loss, make_y, make_pred", [
    (tf.keras.losses.MeanSquaredError(), lambda r: r.standard_normal((4, 3)),
     lambda r: r.standard_normal((4, 3))),
    (tf.keras.losses.MeanAbsoluteError(), lambda r: r.standard_normal((4, 3)),
     lambda r: r.standard_normal((4, 3))),
    (tf.keras.losses.BinaryCrossentropy(), lambda r: r.integers(0, 2, (4, 1)),
     lambda r: r.uniform(0.1, 0.9, (4, 1))),
    (tf.keras.losses.BinaryCrossentropy(from_logits=True), lambda r: r.integers(0, 2, (4, 1)),
     lambda r: r.standard_normal((4, 1))),
    (tf.keras.losses.CategoricalCrossentropy(), lambda r: np.eye(3)[r.integers(0, 3, 4)],
     lambda r: r.uniform(0.1, 0.9, (4, 3))),
    (tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
     lambda r: r.integers(0, 3, 4), lambda r: r.standard_normal((4, 3))),
], ids=lambda v: getattr(v, "name", "") + ("_logits" if getattr(v, "from_logits", 0) else ""))
def test_a_loss_object_is_one_op_on_the_tape(loss, make_y, make_pred, float64):
    from test_tensor import check_op

    rng = np.random.default_rng(8)
    y, pred = make_y(rng), make_pred(rng)
    check_op(lambda p: loss(y, p), pred)
    value = loss(y, tf.constant(pred))
    assert isinstance(value, Tensor) and value.shape == () and f"{value:.3f}"


def test_a_training_loop_as_in_the_tensorflow_quickstart_for_experts():
    """GradientTape, a loss object, apply_gradients and a metric, on layers called directly;
    the same layers trained by fit reach the same weights (same data order, plain SGD)."""
    tf.utils.set_random_seed(9)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((96, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1)
    hidden, out = layers.Dense(16, activation="relu"), layers.Dense(3)
    hidden(x[:1])
    out(np.zeros((1, 16)))
    start = hidden.get_weights() + out.get_weights()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)
    accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
    variables = hidden.trainable_variables + out.trainable_variables
    for _epoch in range(20):
        accuracy.reset_state()
        for i in range(0, 96, 32):
            xb, yb = x[i:i + 32], y[i:i + 32]
            with tf.GradientTape() as tape:
                predictions = out(hidden(xb, training=True), training=True)
                loss = loss_object(yb, predictions)
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            accuracy.update_state(yb, predictions)
    assert accuracy.result() > 0.8, accuracy.result()
    by_tape = [v.numpy().copy() for v in variables]
    hidden.set_weights(start[:2])
    out.set_weights(start[2:])
    model = tf.keras.Sequential([hidden, out])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss=loss_object)
    model.fit(x, y, epochs=20, batch_size=32, shuffle=False, verbose=0)
    for a, b in zip(by_tape, model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_tf_function_runs_the_function_eagerly():
    @tf.function
    def double(x):
        return x * 2

    @tf.function(jit_compile=True)
    def square(x):
        return x * x

    assert float(double(tf.constant(2.0))) == 4 and float(square(tf.constant(3.0))) == 9


def test_a_model_called_in_a_training_loop_chooses_blas_threads_as_fit_does(monkeypatch):
    """OpenBLAS's default (one thread per core) is the trap of blas.py: a subclassed model
    called by a GradientTape loop runs its forward pass, and the tape its backward pass, on
    the threads fit would choose (here one), and BLAS gets its own count back after each."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from glassnet import blas

    def blas_threads():
        return {lib["num_threads"] for lib in threadpoolctl.threadpool_info()
                if lib["user_api"] == "blas"}

    seen = []

    class Probe(layers.Layer):  # what BLAS has while the forward pass runs
        def call(self, x):
            seen.append(blas_threads())
            return x

    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.probe, self.dense = Probe(), layers.Dense(3)

        def call(self, x):
            return self.dense(self.probe(x))

    model = Net()
    x = np.ones((4, 5), np.float32)
    model(x)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        if blas_threads() != {2}:
            pytest.skip("no BLAS here that takes 2 threads")
        monkeypatch.setattr(blas, "threads_for", lambda work: 1)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x))
        assert seen[-1] == {1} and blas_threads() == {2}
        assert tape._threads == 1  # the backward pass's count
        during = []
        real = blas.limit_threads.__init__

        def spy(self, *args, **kwargs):
            real(self, *args, **kwargs)
            during.append(blas_threads())

        monkeypatch.setattr(blas.limit_threads, "__init__", spy)
        grads = tape.gradient(loss, model.trainable_variables)
        assert during == [{1}] and blas_threads() == {2}
    np.testing.assert_allclose(grads[0], np.full((5, 3), 4.0))  # d Σ(xW + b)/dW = Σ_n x
