"""Write the real Keras files that tests/test_keras_files.py loads in glassnet.

Run with Keras 3 (the throwaway venv of /work/notes/KENV.md), from the repository root:

    KERAS_BACKEND=torch OMP_NUM_THREADS=1 /work/kenv/bin/python \
        tests/keras_reference/make_keras_files.py

For each model it writes <name>.keras (and for some <name>.h5, Keras's legacy whole-model
file, <name>.weights.h5 and <name>_legacy_weights.h5, the layout of Keras 2's
save_weights("w.h5")), and <name>.npz with the inputs ``x`` and the predictions ``y0``,
``y1``, ... Keras computed. HDF5 files are mostly padding (650 KB in all), so they are
committed packed, byte for byte as Keras wrote them, in one archive:
tests/data/keras_files/keras_files.tar.xz (about 30 KB), which the tests unpack.
Weights are drawn from NumPy (seed 0), biases and BatchNormalization's moving statistics
included, so that a wrong mapping shows.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import keras
import numpy as np
from archive import pack
from keras import layers as L
from keras.src.legacy.saving import legacy_h5_format

ARCHIVE = os.path.join(os.path.dirname(__file__), "..", "data", "keras_files",
                       "keras_files.tar.xz")
rng = np.random.default_rng(0)


def randomize(model) -> None:
    for w in model.weights:
        value = rng.normal(0, 0.5, w.shape).astype("float32")
        if "variance" in w.path:
            value = np.abs(value) + 0.5
        if "count" in w.path or "seed" in w.path:
            continue
        w.assign(value)


def dense():
    m = keras.Sequential([keras.Input((6,)), L.Dense(8, activation="relu"), L.Dropout(0.3),
                          L.Dense(3, activation="softmax")], name="dense_net")
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m, rng.normal(size=(5, 6))


def conv():
    m = keras.Sequential([keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same", activation="relu"),
                          L.BatchNormalization(), L.MaxPooling2D(), L.AveragePooling2D(1),
                          L.Conv2D(3, 2, strides=1), L.Flatten(), L.Dense(2)],
                         name="conv_net")
    m.compile(optimizer="sgd", loss="mse")
    return m, rng.normal(size=(3, 8, 8, 2))


def embedding():
    m = keras.Sequential([keras.Input((7,), dtype="int32"), L.Embedding(20, 4),
                          L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")],
                         name="embedding_net")
    return m, rng.integers(0, 20, size=(4, 7))


def normalization():
    norm = L.Normalization()
    norm.adapt(rng.normal(3, 2, size=(50, 3)).astype("float32"))
    m = keras.Sequential([keras.Input((3,)), norm, L.Dense(2)], name="normalization_net")
    return m, rng.normal(3, 2, size=(4, 3)), False


def functional():
    inp = keras.Input((10,), name="features")
    h = L.Dense(8, activation="relu")(inp)
    inner = keras.Sequential([keras.Input((8,)), L.Dense(8, activation="tanh"),
                              L.BatchNormalization()], name="block")
    a = inner(h)
    b = L.Dense(8)(L.Dense(6, activation="relu")(inp))  # a longer branch: Keras's layer order
    s = L.Add()([a, b])
    c = L.Concatenate()([s, h])
    out1 = L.Dense(3, activation="softmax", name="label")(c)
    out2 = L.Dense(1, name="score")(L.Multiply()([a, b]))
    m = keras.Model(inp, [out1, out2], name="graph")
    m.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    return m, rng.normal(size=(4, 10))


def shared():
    """Two inputs, a layer called twice (node indices 0 and 1), a dict of outputs."""
    left, right = keras.Input((5,), name="left"), keras.Input((5,), name="right")
    encode = L.Dense(4, activation="tanh", name="encode")
    a, b = encode(left), encode(right)
    diff = L.Subtract()([a, b])
    out = L.Dense(1, activation="sigmoid", name="same")(L.Concatenate()([diff, a * b]))
    m = keras.Model([left, right], {"same": out, "code": a}, name="siamese")
    rng_x = rng.normal(size=(2, 3, 5)).astype("float32")
    return m, rng_x


def trained(optimizer):
    """A model trained 3 epochs, saved with its optimizer's state; the .npz also holds the
    training data (``fit_y``) and the predictions after one more epoch (``after``)."""
    def make():
        m = keras.Sequential([keras.Input((4,)), L.Dense(5, activation="relu"),
                              L.BatchNormalization(), L.Dense(3, activation="softmax")])
        m.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy")
        return m, rng.normal(size=(16, 4))
    return make


def train(m, x, out: str, name: str) -> None:
    fit_y = np.arange(len(x)) % 3
    m.fit(x, fit_y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    y = m.predict(x, verbose=0)
    m.save(os.path.join(out, f"{name}.keras"))
    m.fit(x, fit_y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.savez(os.path.join(out, f"{name}.npz"), x=x, y0=y, fit_y=fit_y,
             after=m.predict(x, verbose=0))


def zoo_image():
    inp = keras.Input((8, 8, 2))
    x = L.Rescaling(0.5, offset=0.1)(inp)
    x = L.RandomFlip()(x)  # inactive at inference, as the other Random* layers
    x = L.RandomRotation(0.1)(x)
    x = L.RandomTranslation(0.1, 0.1)(x)
    x = L.RandomZoom(0.1)(x)
    x = L.RandomContrast(0.1)(x)
    x = L.ZeroPadding2D(1)(x)
    x = L.SeparableConv2D(4, 3, activation="elu")(x)
    x = L.DepthwiseConv2D(3, depth_multiplier=2)(x)
    x = L.Cropping2D(1)(x)
    x = L.UpSampling2D()(x)
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    y1 = L.GlobalMaxPooling2D()(x)
    y2 = L.GlobalAveragePooling2D()(L.MaxPool2D()(x))
    y = L.Subtract()([y1, y2])
    y = L.Average()([L.Maximum()([y1, y2]), L.Minimum()([y1, y]), y])
    y = L.PReLU()(L.Dense(5)(y))
    y = L.LeakyReLU(0.2)(y)
    y = L.ReLU(max_value=2.0)(y)
    y = L.ELU()(y)
    y = L.Activation("sigmoid")(y)
    y = L.Identity()(y)
    return keras.Model(inp, L.Softmax()(y), name="zoo_image"), rng.normal(size=(2, 8, 8, 2))


def zoo_sequence():
    m = keras.Sequential([keras.Input((6,)), L.RepeatVector(8), L.Permute((2, 1)),
                          L.Reshape((8, 6)), L.Conv1D(4, 3, activation="relu"),
                          L.MaxPooling1D(2), L.AveragePooling1D(1), L.Conv1D(3, 2),
                          L.GlobalMaxPooling1D(), L.Dense(2)], name="zoo_sequence")
    return m, rng.normal(size=(3, 6))


def unknown_layer():
    m = keras.Sequential([keras.Input((4,)), L.Dense(3), L.LayerNormalization()],
                         name="unknown_layer")
    return m, rng.normal(size=(2, 4)), False


def lambda_layer():
    m = keras.Sequential([keras.Input((4,)), L.Lambda(lambda t: t * 2.0), L.Dense(2)],
                         name="lambda_layer")
    return m, rng.normal(size=(2, 4)), False


MODELS = {"dense": dense, "conv": conv, "embedding": embedding,
          "normalization": normalization, "functional": functional,
          "shared": shared, "zoo_image": zoo_image, "zoo_sequence": zoo_sequence,
          "unknown_layer": unknown_layer, "lambda_layer": lambda_layer}
TRAINED = {"trained_adam": trained(lambda: keras.optimizers.Adam(0.01)),
           "trained_rmsprop": trained(lambda: keras.optimizers.RMSprop(0.01, momentum=0.5,
                                                                        centered=True)),
           "trained_schedule": trained(lambda: keras.optimizers.Adam(
               keras.optimizers.schedules.ExponentialDecay(0.02, decay_steps=2,
                                                           decay_rate=0.5)))}
WITH_H5 = {"dense", "conv", "functional", "zoo_sequence"}


def main() -> None:
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as out:
        write_all(out)
        pack_all(out)


def pack_all(out: str) -> None:
    """A reproducible tar.xz of the files: sorted, no times or owners."""
    os.makedirs(os.path.dirname(ARCHIVE), exist_ok=True)
    pack(out, ARCHIVE)
    total = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    print(f"packed {len(os.listdir(out))} files ({total} bytes) into {os.path.abspath(ARCHIVE)} "
          f"({os.path.getsize(ARCHIVE)} bytes)")


def write_all(OUT: str) -> None:  # noqa: N803
    for name, make in MODELS.items():
        made = make()
        m, x = made[0], made[1]
        randomize(m)
        x = x if x.dtype.kind == "i" else x.astype("float32")
        y = m.predict(list(x) if name == "shared" else x, verbose=0)  # x: the inputs stacked
        if isinstance(y, dict):
            y = [y[k] for k in sorted(y)]
        ys = {f"y{i}": np.asarray(v) for i, v in enumerate(y)} if isinstance(y, list) \
            else {"y0": np.asarray(y)}
        np.savez(os.path.join(OUT, f"{name}.npz"), x=x, **ys)
        m.save(os.path.join(OUT, f"{name}.keras"))
        if name in WITH_H5:
            m.save(os.path.join(OUT, f"{name}.h5"))
            m.save_weights(os.path.join(OUT, f"{name}.weights.h5"))
            import h5py

            with h5py.File(os.path.join(OUT, f"{name}_legacy_weights.h5"), "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, m)
    for name, make in TRAINED.items():
        m, x = make()
        train(m, x.astype("float32"), OUT, name)
    with open(os.path.join(OUT, "VERSIONS.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend(),
                   "python": sys.version.split()[0]}, f)


if __name__ == "__main__":
    main()
