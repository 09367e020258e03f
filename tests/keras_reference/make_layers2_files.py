"""Write the real Keras files of the common layers that tests/test_layers2_keras.py loads
(LayerNormalization, the noise layers, Dot, the 1D shape layers, Resizing, CenterCrop,
TimeDistributed, ActivityRegularization).

Run with Keras 3 (the throwaway venv of /work/notes/KENV.md), from the repository root:

    KERAS_BACKEND=torch OMP_NUM_THREADS=1 /work/kenv/bin/python \
        tests/keras_reference/make_layers2_files.py

For each model it writes <name>.keras and <name>.npz with the inputs ``x`` (``x0``, ``x1``
for two inputs), the predictions ``y0`` Keras computed (inference: the noise layers are the
identity), and every weight ``w0``, ``w1``, ... in ``model.get_weights()`` order. Packed
into tests/data/keras_files/layers2_files.tar.xz. Weights are drawn from NumPy (seed 0).
"""

from __future__ import annotations

import os
import tempfile

import keras
import numpy as np
from archive import pack
from keras import layers as L

ARCHIVE = os.path.join(os.path.dirname(__file__), "..", "data", "keras_files",
                       "layers2_files.tar.xz")
rng = np.random.default_rng(0)


def layer_norm():
    return keras.Sequential([keras.Input((3, 5)), L.LayerNormalization(),
                             L.Dense(4), L.LayerNormalization(axis=[1, 2], epsilon=1e-5),
                             L.Flatten(), L.Dense(2)], name="layer_norm_net"), \
        rng.normal(1, 2, size=(4, 3, 5))


def noise():
    return keras.Sequential([keras.Input((4, 4, 3)), L.GaussianNoise(0.3),
                             L.SpatialDropout2D(0.2), L.Conv2D(2, 3), L.Reshape((4, 2)),
                             L.SpatialDropout1D(0.2), L.Flatten(), L.Dense(5),
                             L.GaussianDropout(0.2), L.AlphaDropout(0.1), L.Dense(2)],
                            name="noise_net"), rng.normal(size=(3, 4, 4, 3))


def sequence():
    return keras.Sequential([keras.Input((5, 3)), L.ZeroPadding1D((1, 2)), L.Conv1D(4, 3),
                             L.Cropping1D((1, 0)), L.UpSampling1D(2),
                             L.ActivityRegularization(l1=0.01, l2=0.02), L.Flatten(),
                             L.Dense(2)], name="sequence_net"), rng.normal(size=(3, 5, 3))


def dot():
    a, b = keras.Input((4,)), keras.Input((3, 4))
    h = L.Dense(4)(a)
    scores = L.Dot(axes=(1, 2))([h, b])
    cosine = L.Dot(axes=1, normalize=True)([h, a])
    out = L.Dense(2)(L.Concatenate()([scores, cosine]))
    return keras.Model([a, b], out, name="dot_net"), [rng.normal(size=(3, 4)),
                                                      rng.normal(size=(3, 3, 4))]


def time_distributed():
    return keras.Sequential([keras.Input((3, 6, 6, 1)), L.TimeDistributed(L.Conv2D(2, 3)),
                             L.TimeDistributed(L.Flatten()),
                             L.TimeDistributed(L.Dense(4, activation="tanh")),
                             L.LSTM(3), L.Dense(2)], name="time_distributed_net"), \
        rng.normal(size=(2, 3, 6, 6, 1))


def resizing():
    """Down and up, bilinear and nearest, an aspect crop, and CenterCrop both ways."""
    a = keras.Input((7, 9, 2))
    down = L.Resizing(4, 5)(a)
    up = L.Resizing(11, 6, interpolation="nearest")(a)
    aspect = L.Resizing(5, 5, crop_to_aspect_ratio=True)(a)
    crop = L.CenterCrop(4, 6)(a)
    small = L.CenterCrop(9, 4)(a)  # taller than the image: smart_resize
    flat = [L.Flatten()(t) for t in (down, up, aspect, crop, small)]
    return keras.Model(a, L.Concatenate()(flat), name="resizing_net"), \
        rng.normal(size=(2, 7, 9, 2))


MODELS = [layer_norm, noise, sequence, dot, time_distributed, resizing]


def main() -> None:
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as out:
        for make in MODELS:
            model, x = make()
            for w in model.weights:
                w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))
            name = make.__name__
            y = np.asarray(model.predict(x, verbose=0))
            weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
            xs = {f"x{i}": v for i, v in enumerate(x)} if isinstance(x, list) else {"x": x}
            np.savez(os.path.join(out, f"{name}.npz"), y0=y, **xs, **weights)
            model.save(os.path.join(out, f"{name}.keras"))
            again = keras.models.load_model(os.path.join(out, f"{name}.keras"))
            np.testing.assert_allclose(again.predict(x, verbose=0), y, rtol=1e-6)
        pack(out, ARCHIVE)
    print(f"wrote {ARCHIVE} ({os.path.getsize(ARCHIVE)} bytes)")


if __name__ == "__main__":
    main()
