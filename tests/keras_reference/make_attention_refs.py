"""Write Keras 3's outputs and gradients of the attention layers for tests/test_attention_keras.py.

Run with the throwaway Keras venv (see /work/notes/KENV.md; not a glassnet dependency):

    KERAS_BACKEND=torch OMP_NUM_THREADS=1 /work/kenv/bin/python \\
        tests/keras_reference/make_attention_refs.py

For each case of ``CASES`` (MultiHeadAttention, Attention, AdditiveAttention; with and
without masks, the causal mask, a separate key, attention scores) it builds the layer, sets
weights drawn from a seeded NumPy generator, calls it on seeded inputs, and differentiates
``L = Σ dy · y`` (plus ``Σ dp · scores`` when the scores are returned) with torch's autograd.
It saves to ``tests/data/keras_refs/attention.npz``, per case ``<case>.<key>``:

* ``in.<i>`` the inputs, ``w.<i>`` the weights (Keras's order), ``mask.<i>`` the masks
* ``dy.<i>`` the output gradients, ``out.<i>`` the outputs
* ``dx.<i>`` ``dL/d input``, ``dw.<i>`` ``dL/d weight``
* ``meta`` a JSON string: Keras version, backend, and each case's arguments

The cases are read by the test from ``meta``: keep this file and the test in step.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "keras_refs" / "attention.npz"

# name: (layer class, constructor arguments, call description)
#   shapes: the inputs' shapes, in call order (query, value[, key])
#   call: keyword arguments of the call; "attention_mask"/"mask" are drawn here
CASES = {
    "mha_self": ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3},
                 {"shapes": [(2, 4, 6)], "self": True, "call": {}}),
    "mha_cross_key_mask": ("MultiHeadAttention",
                           {"num_heads": 2, "key_dim": 3, "value_dim": 2, "output_shape": 4},
                           {"shapes": [(2, 3, 6), (2, 5, 7), (2, 5, 4)],
                            "call": {"attention_mask": True}}),
    "mha_causal": ("MultiHeadAttention", {"num_heads": 3, "key_dim": 2, "use_bias": False},
                   {"shapes": [(2, 5, 4)], "self": True, "call": {"use_causal_mask": True}}),
    "mha_scores_mask_causal": ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2},
                               {"shapes": [(2, 4, 3), (2, 4, 3)],
                                "call": {"attention_mask": True, "use_causal_mask": True,
                                         "return_attention_scores": True}}),
    "attention_dot_scale_masks": ("Attention", {"use_scale": True},
                                  {"shapes": [(2, 3, 4), (2, 5, 4)], "call": {"mask": True}}),
    "attention_concat_causal_scores": ("Attention", {"use_scale": True,
                                                     "score_mode": "concat"},
                                       {"shapes": [(2, 4, 3), (2, 4, 3), (2, 4, 3)],
                                        "call": {"use_causal_mask": True,
                                                 "return_attention_scores": True}}),
    "additive_key_masks": ("AdditiveAttention", {},
                           {"shapes": [(2, 3, 4), (2, 5, 6), (2, 5, 4)],
                            "call": {"mask": True}}),
    "additive_no_scale": ("AdditiveAttention", {"use_scale": False},
                          {"shapes": [(2, 3, 4), (2, 5, 4)], "call": {}}),
}


def run(name, cls, kwargs, spec, rng, out):
    layer = getattr(keras.layers, cls)(**kwargs)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in spec["shapes"]]
    call = dict(spec["call"])
    B, T = spec["shapes"][0][:2]
    S = spec["shapes"][1][1] if len(spec["shapes"]) > 1 else T
    masks = []
    if call.get("attention_mask"):
        m = rng.random((B, T, S)) > 0.3
        m[:, :, 0] = True  # every query sees something
        masks = [m]
    if call.get("mask"):
        q_mask = rng.random((B, T)) > 0.3
        v_mask = rng.random((B, S)) > 0.3
        v_mask[:, 0] = True
        masks = [q_mask, v_mask]
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    if call.get("attention_mask"):
        call["attention_mask"] = torch.tensor(masks[0])
    if call.get("mask"):
        call["mask"] = [torch.tensor(m) for m in masks]
    if cls == "MultiHeadAttention":
        q = tensors[0]
        v = q if spec.get("self") else tensors[1]
        key = tensors[2] if len(tensors) > 2 else None
        layer(q, v, key=key, **call)  # build
    else:
        layer(tensors, **call)
    weights = [rng.standard_normal(w.shape).astype(np.float32) * 0.5 + (
        1.0 if cls != "MultiHeadAttention" else 0.0) for w in layer.weights]
    layer.set_weights(weights)
    if cls == "MultiHeadAttention":
        outs = layer(q, v, key=key, **call)
    else:
        outs = layer(tensors, **call)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    dys = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in outs]
    loss = sum((o * torch.tensor(d)).sum() for o, d in zip(outs, dys))
    loss.backward()
    for i, a in enumerate(arrays):
        out[f"{name}.in.{i}"] = a
        out[f"{name}.dx.{i}"] = tensors[i].grad.numpy()
    for i, m in enumerate(masks):
        out[f"{name}.mask.{i}"] = m
    for i, (w, v) in enumerate(zip(weights, layer.weights)):
        out[f"{name}.w.{i}"] = w
        out[f"{name}.dw.{i}"] = v.value.grad.numpy()
    for i, (o, d) in enumerate(zip(outs, dys)):
        out[f"{name}.out.{i}"] = o.detach().numpy()
        out[f"{name}.dy.{i}"] = d


def main() -> None:
    rng = np.random.default_rng(2026)
    out: dict[str, np.ndarray] = {}
    for name, (cls, kwargs, spec) in CASES.items():
        run(name, cls, kwargs, spec, rng, out)
    meta = {"keras": keras.__version__, "backend": keras.backend.backend(),
            "cases": {n: {"class": c, "kwargs": k, **s} for n, (c, k, s) in CASES.items()}}
    out["meta"] = np.array(json.dumps(meta))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), {len(CASES)} cases")


if __name__ == "__main__":
    main()
