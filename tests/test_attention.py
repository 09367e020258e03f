"""Attention layers: MultiHeadAttention, Attention (Luong), AdditiveAttention (Bahdanau).

Gradients are checked in float64 against central differences (as in test_gradients.py),
through the public path: the layer called on tensors under a ``GradientTape`` (its op's
vjp is the hand-written ``backward``), for the inputs and every weight, with and without
masks. Numbers against Keras 3 are in test_attention_keras.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf
from glassnet import layers


def tape_and_numeric(layer, call, arrays: list[np.ndarray], rng, weights=True):
    """``L = Σ dy · call(*arrays)`` (summed over the outputs): check ``dL/d array`` for each
    array and ``dL/dW`` for every weight of ``layer``, tape against central differences."""
    outs = call(*arrays)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    dys = [rng.standard_normal(o.shape) for o in outs]

    def loss():
        got = call(*arrays)
        got = list(got) if isinstance(got, (tuple, list)) else [got]
        return float(sum(np.sum(d * np.asarray(o)) for d, o in zip(dys, got)))

    tensors = [tf.constant(a) for a in arrays]
    variables = layer.trainable_variables
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        got = call(*tensors)
        got = list(got) if isinstance(got, (tuple, list)) else [got]
        total = sum(tf.reduce_sum(tf.constant(d) * o) for d, o in zip(dys, got))
    grads = tape.gradient(total, [*tensors, *variables])
    for a, g in zip(arrays, grads):
        assert g is not None
        assert_grad_close(np.asarray(g), numerical_grad(loss, a))
    if weights:
        for v, g in zip(variables, grads[len(arrays):]):
            assert v.array.dtype == np.float64
            if v.name.endswith("key/bias"):  # softmax(z + c) = softmax(z): dL/db_k = 0
                assert np.abs(np.asarray(g)).max() < 1e-12
                continue
            assert_grad_close(np.asarray(g), numerical_grad(loss, v.array), tol=1e-6)
    return outs


# ------------------------------------------------------------------ MultiHeadAttention
def test_mha_weights_shapes_and_names_are_keras():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5)
    y = mha(np.zeros((4, 6, 7), np.float32), np.zeros((4, 2, 9), np.float32))
    assert y.shape == (4, 6, 7) and y.dtype == np.float32
    assert [w.name for w in mha.weights] == [
        "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
        "attention_output/kernel", "attention_output/bias"]
    assert [w.shape for w in mha.get_weights()] == [
        (7, 2, 3), (2, 3), (9, 2, 3), (2, 3), (9, 2, 5), (2, 5), (2, 5, 7), (7,)]
    assert mha.count_params() == 7 * 6 + 6 + 9 * 6 + 6 + 9 * 10 + 10 + 10 * 7 + 7


def test_mha_hand_worked_one_head():
    """One head, key_dim 1, identity-like projections: y is the softmax-weighted mean."""
    mha = layers.MultiHeadAttention(1, 1, use_bias=False)
    q = np.array([[[1.0]]], np.float32)  # one query position
    v = np.array([[[0.0], [2.0]]], np.float32)  # two value positions
    mha(q, v)
    mha.set_weights([np.ones((1, 1, 1))] * 3 + [np.ones((1, 1, 1))])
    y, p = mha(q, v, return_attention_scores=True)
    # scores z = q·k / √1 = [0, 2]; p = softmax = [1/(1+e²), e²/(1+e²)]; y = 2·p₁
    e2 = np.exp(2.0)
    np.testing.assert_allclose(np.asarray(p).ravel(), [1 / (1 + e2), e2 / (1 + e2)], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(y).ravel(), [2 * e2 / (1 + e2)], rtol=1e-6)


CASES = {
    "self": dict(),
    "cross_with_key": dict(key=True),
    "attention_mask": dict(mask=True),
    "causal": dict(causal=True),
    "causal_and_mask_and_key": dict(key=True, mask=True, causal=True),
    "scores_returned": dict(scores=True, mask=True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_mha_gradient(case, float64):
    opts = CASES[case]
    rng = np.random.default_rng(0)
    B, T, S, D = 2, 3, 3 if opts.get("causal") else 4, 5
    out = {"self": 4, "cross_with_key": (2, 3)}.get(case)  # Keras's output_shape
    mha = layers.MultiHeadAttention(2, 3, value_dim=2, output_shape=out)
    q = rng.standard_normal((B, T, D))
    v = q if case in ("self", "causal") else rng.standard_normal((B, S, D))
    k = rng.standard_normal((B, S, 6)) if opts.get("key") else None
    mask = None
    if opts.get("mask"):
        mask = rng.random((B, T, S)) > 0.3
        mask[:, :, 0] = True  # no row without a key (Keras's fast path differs there)
    mha(q, v, key=k)
    for w in mha.weights:  # larger biases than zeros, so their gradients are tested well
        w.assign(rng.standard_normal(w.shape) * 0.5)

    def call(*arrays):
        qq, vv, *rest = arrays
        kk = rest[0] if k is not None else None
        return mha(qq, qq if case in ("self", "causal") else vv, key=kk,
                   attention_mask=mask, use_causal_mask=opts.get("causal", False),
                   return_attention_scores=opts.get("scores", False))

    arrays = [q] if case in ("self", "causal") else [q, v]
    if k is not None:
        arrays.append(k)
    if case in ("self", "causal"):
        outs = tape_and_numeric(mha, lambda qq: call(qq, qq), arrays, rng)
    else:
        outs = tape_and_numeric(mha, call, arrays, rng)
    assert outs[0].dtype == np.float64
    assert outs[0].shape == (B, T, *((out,) if isinstance(out, int) else out or (D,)))


def test_mha_causal_mask_hides_the_future():
    rng = np.random.default_rng(1)
    mha = layers.MultiHeadAttention(2, 4)
    x = rng.standard_normal((1, 5, 3)).astype(np.float32)
    y1, p = mha(x, x, use_causal_mask=True, return_attention_scores=True)
    p = np.asarray(p)
    assert np.all(p[..., np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0)
    np.testing.assert_allclose(p.sum(-1), 1, rtol=1e-5)
    x2 = x.copy()
    x2[:, 3:] += 10  # changing the future leaves the first outputs alone
    y2 = mha(x2, x2, use_causal_mask=True)
    np.testing.assert_allclose(np.asarray(y1)[:, :3], np.asarray(y2)[:, :3], rtol=1e-5)
    assert not np.allclose(np.asarray(y1)[:, 3:], np.asarray(y2)[:, 3:])


def test_mha_mask_of_embedding_is_used_and_passed_on(float64):
    """Embedding(mask_zero=True): padded value positions get no attention (in a model and
    eagerly), and the output carries the query's mask."""
    tokens = np.array([[3, 1, 2, 0, 0], [1, 1, 0, 0, 0]])
    emb = layers.Embedding(5, 4, mask_zero=True)
    mha = layers.MultiHeadAttention(2, 3)
    inp = tf.Input((5,), dtype="int32")
    e = emb(inp)
    out = mha(e, e, return_attention_scores=True)
    model = tf.Model(inp, list(out))
    y, p = model.predict(tokens, verbose=0)
    assert np.all(p[0, :, :, 3:] == 0) and np.all(p[1, :, :, 2:] == 0)
    np.testing.assert_allclose(p[0, :, :3, :3].sum(-1), 1, rtol=1e-6)
    x = emb(tf.constant(tokens))
    y_eager, p_eager = mha(x, x, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(p_eager), p, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(y_eager._keras_mask), tokens != 0)


def test_mha_dropout_gradient_with_one_random_stream(float64):
    rng = np.random.default_rng(2)
    mha = layers.MultiHeadAttention(2, 2, dropout=0.5)
    q = rng.standard_normal((2, 3, 4))
    mha(q, q)
    for w in mha.weights:
        w.assign(rng.standard_normal(w.shape) * 0.5)

    def call(qq):
        tf.utils.set_random_seed(7)  # the same dropout mask at every call
        return mha(qq, qq, training=True)

    y = tape_and_numeric(mha, call, [q], rng)[0]
    assert not np.allclose(y, mha(q, q, training=False))  # dropout acted


def test_mha_wrong_mask_shape_names_both_shapes():
    mha = layers.MultiHeadAttention(1, 2)
    x = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(tf.errors.InputError, match=r"\(2, 3, 3\)"):
        mha(x, x, attention_mask=np.ones((2, 4, 4), bool))
    with pytest.raises(tf.errors.InputError, match=r"\(2, 4, 4\)"):  # with a causal mask too
        mha(x, x, attention_mask=np.ones((2, 4, 4), bool), use_causal_mask=True)


def test_mha_unsupported_attention_axes_says_so():
    mha = layers.MultiHeadAttention(1, 2, attention_axes=(2,))
    with pytest.raises(NotImplementedError, match="attention_axes"):
        mha(np.zeros((1, 2, 3, 4), np.float32), np.zeros((1, 2, 3, 4), np.float32))


def test_mha_four_axes_attends_over_both(float64):
    """(batch, A, B, D): Keras's default attends over the A·B positions together."""
    rng = np.random.default_rng(3)
    mha = layers.MultiHeadAttention(2, 2)
    x = rng.standard_normal((2, 2, 3, 4))
    y, p = mha(x, x, return_attention_scores=True)
    assert y.shape == (2, 2, 3, 4) and p.shape == (2, 2, 2, 3, 2, 3)
    flat_y = mha(x.reshape(2, 6, 4), x.reshape(2, 6, 4))
    np.testing.assert_allclose(np.asarray(y).reshape(2, 6, 4), np.asarray(flat_y), rtol=1e-12)
    tape_and_numeric(mha, lambda xx: mha(xx, xx), [x], rng, weights=False)


# ------------------------------------------------------- Attention, AdditiveAttention
ATTENTION_CASES = {
    "dot": dict(cls="Attention"),
    "dot_scale_key": dict(cls="Attention", use_scale=True, key=True),
    "concat": dict(cls="Attention", score_mode="concat"),
    "concat_scale_masks": dict(cls="Attention", score_mode="concat", use_scale=True,
                               masks=True),
    "dot_causal_scores": dict(cls="Attention", use_scale=True, causal=True, scores=True),
    "additive": dict(cls="AdditiveAttention"),
    "additive_no_scale_key_masks": dict(cls="AdditiveAttention", use_scale=False, key=True,
                                        masks=True),
    "additive_causal": dict(cls="AdditiveAttention", causal=True, scores=True, masks=True),
}


@pytest.mark.parametrize("case", list(ATTENTION_CASES))
def test_attention_gradient(case, float64):
    opts = dict(ATTENTION_CASES[case])
    rng = np.random.default_rng(4)
    cls = getattr(layers, opts.pop("cls"))
    key, masks = opts.pop("key", False), opts.pop("masks", False)
    causal, scores = opts.pop("causal", False), opts.pop("scores", False)
    layer = cls(**opts)
    B, Tq, Tv, d = 2, 3, 3 if causal else 4, 5
    arrays = [rng.standard_normal((B, Tq, d)), rng.standard_normal((B, Tv, d))]
    if key:
        arrays.append(rng.standard_normal((B, Tv, d)))
    mask = None
    if masks:
        mask = [np.array([[1, 1, 0], [1, 1, 1]], bool), rng.random((B, Tv)) > 0.4]
        mask[1][:, 0] = True

    def call(*xs):
        return layer(list(xs), mask=mask, use_causal_mask=causal,
                     return_attention_scores=scores)

    call(*arrays)
    for w in layer.weights:  # away from Keras's initial ones, so the weights matter
        w.assign(rng.uniform(0.5, 1.5, w.shape))
    outs = tape_and_numeric(layer, call, arrays, rng)
    if masks:  # masked query positions give 0; masked values get no weight
        assert np.all(outs[0][0, 2] == 0)
    if scores:
        p = outs[1]
        assert p.shape == (B, Tq, Tv)
        if causal:
            assert np.all(p[:, 0, 1:] < 1e-12)


def test_attention_weights_are_keras():
    q, v = np.zeros((2, 3, 4), np.float32), np.zeros((2, 5, 4), np.float32)
    plain, scaled = layers.Attention(), layers.Attention(use_scale=True, score_mode="concat")
    additive = layers.AdditiveAttention()
    for layer in (plain, scaled, additive):
        assert layer([q, v]).shape == (2, 3, 4)
    assert plain.weights == []
    assert [(w.name.split("/")[-1], w.shape) for w in scaled.weights] == [
        ("scale", ()), ("concat_score_weight", ())]
    np.testing.assert_array_equal(scaled.get_weights(), [1.0, 1.0])
    assert [(w.name.split("/")[-1], w.shape) for w in additive.weights] == [("scale", (4,))]


def test_attention_hand_worked():
    """Q = [[1, 0]], K = V = [[1, 0], [0, 1]]: Z = [1, 0], P = [e/(1+e), 1/(1+e)]."""
    q = np.array([[[1.0, 0.0]]], np.float32)
    v = np.array([[[1.0, 0.0], [0.0, 1.0]]], np.float32)
    y, p = layers.Attention()([q, v], return_attention_scores=True)
    e = np.e
    np.testing.assert_allclose(np.asarray(p).ravel(), [e / (1 + e), 1 / (1 + e)], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(y).ravel(), [e / (1 + e), 1 / (1 + e)], rtol=1e-6)


def test_attention_in_a_functional_model_trains():
    rng = np.random.default_rng(5)
    tokens = rng.integers(1, 20, size=(32, 6))
    y = (tokens[:, 0] > 10).astype(int)
    inp = tf.Input((6,), dtype="int32")
    e = layers.Embedding(20, 8, mask_zero=True)(inp)
    a = layers.Attention(use_scale=True)([e, e])
    b = layers.AdditiveAttention()([e, e, e])
    h = layers.GlobalAveragePooling1D()(layers.Concatenate()([a, b]))
    model = tf.Model(inp, layers.Dense(2, activation="softmax")(h))
    model.compile("adam", "sparse_categorical_crossentropy")
    before = model.evaluate(tokens, y, verbose=0)
    model.fit(tokens, y, epochs=20, verbose=0)
    assert model.evaluate(tokens, y, verbose=0) < before


def test_merge_layers_keep_masks_and_the_tape():
    """Add()([x, f(x)]) inside a layer's call: recorded on the tape (its backward gives the
    gradient), and the mask of Embedding(mask_zero=True) goes on, as in Keras."""
    tokens = np.array([[4, 2, 0], [1, 0, 0]])
    x = layers.Embedding(6, 3, mask_zero=True)(tokens)
    w = tf.Variable(np.full((2, 3, 3), 2.0, np.float32))
    with tf.GradientTape() as tape:
        y = layers.Add()([x, w])
        total = tf.reduce_sum(y * y)
    np.testing.assert_allclose(np.asarray(tape.gradient(total, w)), 2 * np.asarray(y))
    assert getattr(y, "_keras_mask", None) is None  # Keras 3: an unmasked input, no mask
    y = layers.Add()([x, layers.Dense(3)(x)])  # the same mask: it goes on
    np.testing.assert_array_equal(np.asarray(y._keras_mask), tokens != 0)
    joined = layers.Concatenate()([x, w])  # features joined: the masked steps stay masked
    np.testing.assert_array_equal(np.asarray(joined._keras_mask), tokens != 0)
    joined = layers.Concatenate(axis=1)([x, x])  # along the steps: no mask
    assert getattr(joined, "_keras_mask", None) is None
    inp = tf.Input((3,), dtype="int32")
    e1 = layers.Embedding(6, 3, mask_zero=True)(inp)
    e2 = layers.Embedding(6, 3, mask_zero=True)(inp[:, ::-1])
    s = layers.Add()([e1, e2])
    _, p = layers.MultiHeadAttention(1, 2)(s, s, return_attention_scores=True)
    model = tf.Model(inp, p)
    p = model.predict(np.array([[1, 2, 0], [0, 3, 0]]), verbose=0)
    # Keras 3 merges masks with OR: a step is masked where both embeddings mask it; row 0
    # ([1, 2, 0] and its reverse [0, 2, 1]) none, row 1 ([0, 3, 0] both ways) steps 0 and 2
    assert np.all(p[0] > 0)
    assert np.all(p[1, ..., 0] == 0) and np.all(p[1, ..., 2] == 0) and p[1, 0, 1, 1] == 1


def test_keras2_causal_argument_is_use_causal_mask():
    x = np.random.default_rng(6).standard_normal((2, 4, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="use_causal_mask"):
        old = layers.Attention(causal=True)
    np.testing.assert_allclose(np.asarray(old([x, x])),
                               np.asarray(layers.Attention()([x, x], use_causal_mask=True)))
