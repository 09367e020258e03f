"""Reference outputs of Keras's dilated ``Conv1D`` (WaveNet's layer) for test_keras_io_gaps.

    KERAS_BACKEND=torch /work/kenv/bin/python tests/keras_reference/make_conv1d_dilated_refs.py

Writes tests/data/keras_refs/conv1d_dilated.npz: for each padding (causal, same, valid) and
(kernel_size, dilation_rate, steps), the input ``x``, Keras's own random kernel ``W`` and bias
``b`` (tanh activation, 4 filters) and Keras's output ``y``. Needs Keras 3 (not a glassnet
dependency).
"""

from pathlib import Path

import keras
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "data" / "keras_refs" / "conv1d_dilated.npz"
CASES = [(2, 2, 9), (3, 4, 13), (2, 3, 5)]


def main() -> None:
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    arrays = {}
    for padding in ("causal", "same", "valid"):
        for k, d, steps in CASES:
            x = rng.normal(size=(2, steps, 3)).astype("float32")
            layer = keras.layers.Conv1D(4, k, padding=padding, dilation_rate=d,
                                        activation="tanh")
            y = keras.ops.convert_to_numpy(layer(x))
            W, b = layer.get_weights()
            key = f"{padding}_{k}_{d}_{steps}"
            arrays.update({f"{key}_x": x, f"{key}_W": W, f"{key}_b": b, f"{key}_y": y})
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({len(arrays) // 4} cases)")


if __name__ == "__main__":
    main()
