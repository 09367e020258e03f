"""The attention layers against Keras 3: same weights and inputs give the same outputs and
gradients (inputs and weights). The references come from
tests/keras_reference/make_attention_refs.py (Keras 3.15, torch backend, float32), stored
in tests/data/keras_refs/attention.npz, so this test runs without Keras."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import glassnet as tf
from glassnet import layers

REFS = Path(__file__).parent / "data" / "keras_refs" / "attention.npz"


def _refs():
    with np.load(REFS) as f:
        data = {k: f[k] for k in f.files}
    return data, json.loads(str(data["meta"]))


DATA, META = _refs()


def _list(data, prefix):
    out, i = [], 0
    while f"{prefix}.{i}" in data:
        out.append(data[f"{prefix}.{i}"])
        i += 1
    return out


def _call(layer, case, tensors, masks):
    call = dict(case["call"])
    if call.get("attention_mask"):
        call["attention_mask"] = masks[0]
    if call.get("mask"):
        call["mask"] = masks
    if case["class"] == "MultiHeadAttention":
        q = tensors[0]
        v = q if case.get("self") else tensors[1]
        key = tensors[2] if len(tensors) > 2 else None
        return layer(q, v, key=key, **call)
    return layer(list(tensors), **call)


def test_references_come_from_keras_3():
    assert META["keras"].startswith("3.") and len(META["cases"]) == 8


@pytest.mark.parametrize("name", list(META["cases"]))
def test_same_outputs_and_gradients_as_keras(name, float64):
    case = META["cases"][name]
    kwargs = dict(case["kwargs"])
    layer = getattr(layers, case["class"])(**kwargs)
    arrays = [a.astype(np.float64) for a in _list(DATA, f"{name}.in")]
    masks = _list(DATA, f"{name}.mask")
    _call(layer, case, arrays, masks)  # build
    layer.set_weights(_list(DATA, f"{name}.w"))
    tensors = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        outs = _call(layer, case, tensors, masks)
        outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        loss = sum(tf.reduce_sum(tf.constant(d.astype(np.float64)) * o)
                   for d, o in zip(_list(DATA, f"{name}.dy"), outs))
    grads = tape.gradient(loss, [*tensors, *layer.trainable_variables])
    want_out = _list(DATA, f"{name}.out")
    assert len(outs) == len(want_out)
    for got, want in zip(outs, want_out):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=2e-5)
    for got, want in zip(grads, [*_list(DATA, f"{name}.dx"), *_list(DATA, f"{name}.dw")]):
        if got is None:  # an input this layer does not read through a gradient path
            np.testing.assert_allclose(want, 0, atol=1e-6)
            continue
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=5e-5)
    assert len(grads) == len(arrays) + len(_list(DATA, f"{name}.dw"))
