"""Guards for the optimised training and inference path (issue 4).

``fit`` is checked against a plain NumPy re-implementation of the tutorial's network
written here from the formulas, with nothing reused from the library: forward, the fused
softmax/cross-entropy gradient ``(a - onehot(y)) / n``, backward, and Keras's Adam. Batch
sizes that do not divide the data (a last, partial batch) are included, because a reused
buffer or a cached shape would show up there first. No timings are asserted: speed is
measured by ``bench/compare.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
from glassnet import activations, blas, layers, losses, optimizers


# ----------------------------------------------------------------------------- reference
def reference_fit(x, y, weights, batch_size, epochs, adam=None,
                  lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
    """784-h-10 (ReLU, softmax) trained by sparse cross-entropy and Adam, batches in order.

    Returns the final weights and, per epoch, the mean loss and accuracy over the samples,
    computed from each batch's forward pass before its update (what Keras reports).
    ``adam``: a dict holding Adam's ``m``, ``v`` and ``t``, carried from call to call.
    """
    W1, b1_, W2, b2_ = (w.astype(np.float64) for w in weights)
    params = [W1, b1_, W2, b2_]
    adam = {} if adam is None else adam
    m = adam.setdefault("m", [np.zeros_like(p) for p in params])
    v = adam.setdefault("v", [np.zeros_like(p) for p in params])
    t = adam.get("t", 0)
    history = {"loss": [], "accuracy": []}
    n = len(x)
    for _ in range(epochs):
        loss_sum, correct = 0.0, 0
        for start in range(0, n, batch_size):
            xb = x[start:start + batch_size].reshape(-1, W1.shape[0]).astype(np.float64)
            yb = y[start:start + batch_size]
            k = len(xb)
            z1 = xb @ W1 + b1_
            a1 = np.maximum(z1, 0)
            z2 = a1 @ W2 + b2_
            p = np.exp(z2 - z2.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            loss_sum += -np.log(p[np.arange(k), yb]).sum()
            correct += int((p.argmax(axis=1) == yb).sum())
            dz2 = p.copy()
            dz2[np.arange(k), yb] -= 1
            dz2 /= k
            dW2, db2 = a1.T @ dz2, dz2.sum(axis=0)
            dz1 = (dz2 @ W2.T) * (z1 > 0)
            dW1, db1 = xb.T @ dz1, dz1.sum(axis=0)
            t += 1
            lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            for i, g in enumerate([dW1, db1, dW2, db2]):
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                params[i] -= lr_t * m[i] / (np.sqrt(v[i]) + eps)
        history["loss"].append(loss_sum / n)
        history["accuracy"].append(correct / n)
    adam["t"] = t
    return params, history


def image_data(n, seed=0):
    """``n`` random 6x6 "images" in [0, 1] with labels that depend on them (learnable)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 6, 6))
    y = (x[:, :3].sum(axis=(1, 2)) * 10).astype(int) % 10
    return x, y


def tutorial_model(hidden=16, n_in=(6, 6), seed=0):
    glassnet.utils.set_random_seed(seed)
    model = glassnet.Sequential([layers.Flatten(input_shape=n_in),
                                 layers.Dense(hidden, activation="relu"),
                                 layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


# ------------------------------------------------------------------- fit against reference
@pytest.mark.parametrize("n, batch_size", [(96, 32), (70, 32), (70, 16), (5, 32), (33, 8)])
def test_fit_equals_the_reference_loop_float64(float64, n, batch_size):
    """Every weight and every reported number, to float64 rounding: same algorithm."""
    x, y = image_data(n)
    model = tutorial_model()
    start = model.get_weights()
    history = model.fit(x, y, batch_size=batch_size, epochs=3, shuffle=False, verbose=0)
    expected, ref_history = reference_fit(x, y, start, batch_size, epochs=3)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history.history["loss"], ref_history["loss"], rtol=1e-9)
    assert history.history["accuracy"] == pytest.approx(ref_history["accuracy"], abs=1e-12)


def test_fit_float32_tracks_the_float64_reference():
    """The float32 path (the fast one) stays within float32 rounding of the exact result."""
    x, y = image_data(200)
    model = tutorial_model()
    start = model.get_weights()
    history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    expected, ref_history = reference_fit(x, y, start, 32, epochs=2)
    for got, want in zip(model.get_weights(), expected):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(history.history["loss"], ref_history["loss"], rtol=1e-5)


def test_training_twice_with_different_batch_sizes_reuses_nothing_stale(float64):
    """fit at batch 32, then at batch 7 (every batch partial-sized), then predict at 5:
    each stage must match the reference started from the previous stage's weights."""
    x, y = image_data(50)
    model = tutorial_model()
    w = model.get_weights()
    adam = {}  # fit continues the optimizer's state, and so does the reference
    for batch_size in (32, 7, 50):
        model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        w, _ = reference_fit(x, y, w, batch_size, epochs=1, adam=adam)
        for got, want in zip(model.get_weights(), w):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_train_on_batch_equals_one_reference_step(float64):
    x, y = image_data(20)
    model = tutorial_model()
    start = model.get_weights()
    loss = model.train_on_batch(x, y)
    expected, ref_history = reference_fit(x, y, start, 20, epochs=1)
    assert loss == pytest.approx(ref_history["loss"][0], rel=1e-12)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_inputs_of_any_dtype_train_like_float32():
    """uint8, float64 and float32 copies of the same values give the same weights."""
    x, y = image_data(70)
    x8 = (x * 3).astype(np.uint8)  # small values: no warning about unscaled pixels
    results = []
    for data in (x8, x8.astype(np.float64), x8.astype(np.float32)):
        model = tutorial_model()
        model.fit(data, y, batch_size=32, epochs=2, verbose=0)
        results.append(model.get_weights())
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------- inference
def test_predict_in_batches_equals_one_sample_at_a_time():
    x, _ = image_data(45, seed=1)
    model = tutorial_model()
    whole = model.predict(x, batch_size=45, verbose=0)
    for batch_size in (1, 7, 32, 1000):
        np.testing.assert_allclose(model.predict(x, batch_size=batch_size, verbose=0), whole,
                                   rtol=1e-6, atol=1e-7)
    one_by_one = np.concatenate([model.predict(x[i:i + 1], verbose=0) for i in range(len(x))])
    np.testing.assert_allclose(one_by_one, whole, rtol=1e-6, atol=1e-7)
    assert whole.dtype == np.float32


def test_outputs_kept_by_the_caller_are_not_overwritten_later():
    """predict, model(x), evaluate and fit after it must not write into arrays handed out."""
    x, y = image_data(40, seed=2)
    model = tutorial_model()
    p1 = model.predict(x[:20], verbose=0)
    keep_p1 = p1.copy()
    c1 = model(x[:20]).numpy()  # a tensor, as in Keras
    keep_c1 = c1.copy()
    model.predict(x[20:], verbose=0)
    model(x[20:])
    model.evaluate(x, y, verbose=0)
    np.testing.assert_array_equal(p1, keep_p1)
    np.testing.assert_array_equal(c1, keep_c1)
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(p1, keep_p1)  # old outputs are not views of live buffers
    assert not np.array_equal(model.predict(x[:20], verbose=0), keep_p1)  # the model changed


def test_evaluate_matches_predict_and_the_loss_formula():
    x, y = image_data(50, seed=3)
    model = tutorial_model()
    loss, acc = model.evaluate(x, y, batch_size=16, verbose=0)
    p = model.predict(x, verbose=0).astype(np.float64)
    assert loss == pytest.approx(-np.log(p[np.arange(50), y]).mean(), rel=1e-5)
    assert acc == pytest.approx(np.mean(p.argmax(axis=1) == y))


# ------------------------------------------------------------------------- the pieces
def test_row_max_equals_max_with_ties_nan_inf_and_3d():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((50, 10)).astype(np.float32)
    z[3] = 1.5  # a row of ties
    z[4, 2] = np.inf
    np.testing.assert_array_equal(activations.row_max(z), z.max(axis=-1, keepdims=True))
    z[5, 7] = np.nan
    np.testing.assert_array_equal(activations.row_max(z), z.max(axis=-1, keepdims=True))
    z3 = rng.standard_normal((4, 5, 6))
    np.testing.assert_array_equal(activations.row_max(z3), z3.max(axis=-1, keepdims=True))


def test_fused_sparse_cross_entropy_matches_the_textbook_formula():
    rng = np.random.default_rng(1)
    z = (rng.standard_normal((33, 10)) * 5).astype(np.float64)
    y = rng.integers(0, 10, 33)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = losses.SparseCategoricalCrossentropy()
    assert loss.forward_fused(y, z) == pytest.approx(-np.log(p[np.arange(33), y]).mean(),
                                                     rel=1e-12)
    onehot = np.eye(10)[y]
    np.testing.assert_allclose(loss.backward_fused(y, p), (p - onehot) / 33, atol=1e-15)
    np.testing.assert_allclose(activations.softmax.forward(z), p, rtol=1e-12)


def test_adam_update_equals_the_keras_formula_over_many_steps_in_float32():
    """The in-place form (m *= β₁; m += (1-β₁)g ...) against the formula, including the
    periodic flush of denormal moments (every 16 steps)."""
    rng = np.random.default_rng(2)
    theta = rng.standard_normal(1000).astype(np.float32)
    ref = theta.astype(np.float64)
    m = np.zeros(1000)
    v = np.zeros(1000)
    opt = optimizers.Adam(learning_rate=0.01)
    for t in range(1, 41):
        g = rng.standard_normal(1000).astype(np.float32)
        g[:100] = 0  # weights that never get a gradient: their moments decay
        opt.step(theta, g)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g.astype(np.float64) ** 2
        ref -= 0.01 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(theta, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(opt.state["m"], m, rtol=1e-4, atol=1e-7)


# ------------------------------------------------------------------------ BLAS threads
def test_blas_thread_choice_follows_the_product_size():
    assert blas.threads_for(0) == 1
    assert blas.threads_for(32 * 784 * 128) == 1  # the tutorial's largest product
    big = blas.threads_for(100 * blas.MIN_WORK_PER_THREAD)
    assert 1 <= big <= (len(blas.os.sched_getaffinity(0))
                        if hasattr(blas.os, "sched_getaffinity") else blas.os.cpu_count())
    model = tutorial_model(hidden=128, n_in=(28, 28))
    assert blas.largest_product(model, 32) == 32 * (784 * 128 + 128)
    assert blas.largest_product(model, 512) == 512 * (784 * 128 + 128)


def test_a_second_blas_thread_only_for_large_products_on_idle_cores(monkeypatch):
    monkeypatch.setattr(blas.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    huge = 100 * blas.MIN_WORK_PER_THREAD
    monkeypatch.setattr(blas.os, "getloadavg", lambda: (0.9, 0.0, 0.0))  # only us running
    assert blas.threads_for(huge) == 4
    assert blas.threads_for(3 * blas.MIN_WORK_PER_THREAD) == 3
    assert blas.threads_for(blas.MIN_WORK_PER_THREAD) == 1
    monkeypatch.setattr(blas.os, "getloadavg", lambda: (3.2, 0.0, 0.0))  # 3 cores busy
    assert blas.threads_for(huge) == 1
    monkeypatch.setattr(blas.os, "getloadavg", lambda: (9.0, 0.0, 0.0))  # oversubscribed
    assert blas.threads_for(huge) == 1


def test_fit_uses_one_blas_thread_for_small_products_and_restores_the_setting():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]

    before = blas_threads()
    seen = []

    class Spy(glassnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(blas_threads())

    x, y = image_data(64)
    model = tutorial_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[Spy()])
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert blas_threads() == before
    model.predict(x, verbose=0)
    assert blas_threads() == before


# ------------------------------------------------------------------------------ memory
def test_fit_evaluate_predict_make_no_float32_copy_of_the_whole_x():
    """The tutorial passes ``x_train / 255.0`` (float64); a float32 copy of it would add
    half its size again (188 MB for MNIST). Batches are cast one by one instead."""
    tracemalloc = pytest.importorskip("tracemalloc")
    x, y = image_data(20000, seed=4)  # 20000 x 36 float64: 5.8 MB; a float32 copy: 2.9 MB
    model = tutorial_model()
    model.fit(x[:64], y[:64], epochs=1, verbose=0)  # first-use allocations out of the way
    tracemalloc.start()
    try:
        for run in (lambda: model.fit(x, y, batch_size=256, epochs=1, verbose=0),
                    lambda: model.evaluate(x, y, batch_size=256, verbose=0),
                    lambda: model.predict(x, batch_size=256, verbose=0)):
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            result = run()
            peak = tracemalloc.get_traced_memory()[1] - before
            del result
            assert peak < x.nbytes / 4, peak  # predict's own output (20000 x 10) is 0.8 MB
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_updating_in_chunks_equals_updating_whole_vectors(name):
    """``step`` runs the rule chunk by chunk (for the cache); chunk size must not matter.
    Element-wise float operations are exactly rounded, so the results are bit-identical."""
    rng = np.random.default_rng(5)
    grads = rng.standard_normal((40, 1001)).astype(np.float32)
    grads[:, :50] = 0  # moments that decay and get flushed every 16 steps
    thetas = []
    for chunk in (10**9, 100, 7):
        opt = optimizers.get(name)
        if name == "sgd":
            opt = optimizers.SGD(momentum=0.9)
        if name == "rmsprop":
            opt = optimizers.RMSprop(momentum=0.5, centered=True)
        opt.CHUNK = chunk
        theta = np.linspace(-1, 1, 1001, dtype=np.float32)
        for g in grads:
            opt.step(theta, g)
        thetas.append((theta, opt.state))
    for theta, state in thetas[1:]:
        np.testing.assert_array_equal(theta, thetas[0][0])
        for k in state:
            np.testing.assert_array_equal(state[k], thetas[0][1][k])
