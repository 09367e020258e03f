"""Write a Keras 3 model with attention layers as .keras and .h5, for tests/test_attention_files.py.

Run with the throwaway Keras venv (see /work/notes/KENV.md; not a glassnet dependency):

    KERAS_BACKEND=torch OMP_NUM_THREADS=1 /work/kenv/bin/python \\
        tests/keras_reference/make_attention_files.py

The model (functional, three inputs, two outputs) uses every way of calling the attention
layers that glassnet reads from a file: a causal self-attention on an Embedding with
``mask_zero=True`` (its mask ops are in the file; the tokens have no padding), a
cross-attention with a separate key, an ``attention_mask`` input and
``return_attention_scores=True``, ``Attention(use_scale=True, score_mode="concat")`` and
``AdditiveAttention`` on ``[query, value, key]``. Keras 3's MultiHeadAttention takes the
masks off its input tensors when called (seen with 3.15), so which later layers see a
padding mask is Keras's own bookkeeping, which glassnet does not copy: the data has no
padding, and the Attention layers work on the unmasked context. The weights are drawn from
a seeded NumPy generator. Written into
``tests/data/keras_files/attention_files.tar.xz``: ``attention.keras``, ``attention.h5``
and ``attention.npz`` (the inputs ``x0, x1, x2`` and Keras's predictions ``y0, y1``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from archive import pack  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "keras_files" / "attention_files.tar.xz"


def model() -> keras.Model:
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    context = keras.Input((4, 5), name="context")
    allowed = keras.Input((6, 4), dtype="bool", name="allowed")
    e = layers.Embedding(10, 8, mask_zero=True)(tokens)
    a = layers.MultiHeadAttention(2, 4, name="self_attention")(e, e, use_causal_mask=True)
    x = layers.LayerNormalization()(layers.Add()([e, a]))
    c = layers.Dense(8)(context)
    k = layers.Dense(6)(context)
    b, scores = layers.MultiHeadAttention(2, 3, value_dim=2, name="cross_attention")(
        x, c, key=k, attention_mask=allowed, return_attention_scores=True)
    pooled = layers.GlobalAveragePooling1D()(b)
    d = layers.Attention(use_scale=True, score_mode="concat")([c, c])
    f = layers.AdditiveAttention()([d, c, layers.Dense(8)(k)])
    joined = layers.Concatenate()([pooled, layers.GlobalAveragePooling1D()(f)])
    out = layers.Dense(3)(joined)
    return keras.Model([tokens, context, allowed], [out, scores])


def main() -> None:
    rng = np.random.default_rng(7)
    m = model()
    m.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.5 + (
        1.0 if w.path.endswith("gamma") else 0.0) for w in m.weights])
    tokens = rng.integers(1, 10, size=(3, 6))
    # no padding: Keras 3's MultiHeadAttention takes the masks off its input tensors when
    # called (a side effect), so which later layers see the padding's mask is Keras's own
    # bookkeeping; the file still holds the mask ops (not_equal, logical_or) glassnet skips
    context = rng.standard_normal((3, 4, 5)).astype(np.float32)
    allowed = rng.random((3, 6, 4)) > 0.3
    allowed[:, :, 0] = True
    y0, y1 = m.predict([tokens, context, allowed], verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        m.save(os.path.join(folder, "attention.keras"))
        m.save(os.path.join(folder, "attention.h5"))
        np.savez(os.path.join(folder, "attention.npz"), x0=tokens, x1=context, x2=allowed,
                 y0=y0, y1=y1)
        pack(folder, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
