"""Load the Keras files that glassnet wrote in real Keras 3, and compare predictions.

    KERAS_BACKEND=torch /work/kenv/bin/python tests/keras_reference/check_glassnet_files.py DIR

DIR holds, per model, <name>.keras, <name>.h5, <name>.weights.h5, <name>_legacy_weights
(Keras 2's save_weights(..., save_format="h5") layout, no extension) and <name>.npz (the
inputs ``x`` and glassnet's predictions ``y0``, ``y1``, ...) (with KERAS_BACKEND=numpy,
which cannot train, the resumed training is left out). A trained model has only
<name>.keras, and its .npz also the labels ``fit_y`` and ``after``, glassnet's predictions
after one more epoch: Keras trains that epoch from the saved optimizer state. Prints one JSON line:
{"<name>.keras": largest |Keras - glassnet|, ...}, or an error message in place of a number.
tests/test_keras_files.py runs it (or imports ``check`` when keras is importable).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sys
import tempfile

import numpy as np


def _diff(model, x, want) -> float:
    """Several inputs come stacked in ``x``; dict outputs are compared sorted by key."""
    got = model.predict(list(x) if len(model.inputs) > 1 else x, verbose=0)
    if isinstance(got, dict):
        got = [got[k] for k in sorted(got)]
    got = got if isinstance(got, list) else [got]
    return max(float(np.max(np.abs(np.asarray(g) - w))) for g, w in zip(got, want))


def check(folder) -> dict:
    import keras

    results = {}
    for npz in sorted(glob.glob(os.path.join(str(folder), "*.npz"))):
        name = os.path.basename(npz)[:-4]
        data = np.load(npz)
        x, want = data["x"], [data[k] for k in sorted(data.files) if k.startswith("y")]
        base = os.path.join(str(folder), name)
        if "fit_y" in data.files:  # trained: Keras resumes where glassnet stopped
            try:
                model = keras.models.load_model(base + ".keras")
                results[name + ".keras"] = _diff(model, x, want)
                if keras.backend.backend() == "numpy":  # it cannot train
                    continue
                model.fit(x, data["fit_y"], epochs=1, batch_size=8, shuffle=False, verbose=0)
                results[name + ".keras resumed"] = _diff(model, x, [data["after"]])
            except Exception as err:
                results[name + ".keras"] = f"{type(err).__name__}: {err}"[:500]
            continue
        for ext in (".keras", ".h5"):
            key = name + ext
            try:
                results[key] = _diff(keras.models.load_model(base + ext), x, want)
            except Exception as err:
                results[key] = f"{type(err).__name__}: {err}"[:500]
        for suffix in (".weights.h5", "_legacy_weights"):
            key = name + suffix
            try:
                model = keras.models.load_model(base + ".keras")
                for w in model.weights:
                    w.assign(np.zeros(w.shape, w.dtype))
                with tempfile.TemporaryDirectory() as tmp:  # Keras 3 wants a .h5 name
                    path = os.path.join(tmp, "w.weights.h5" if suffix == ".weights.h5"
                                        else "w.h5")
                    shutil.copy(base + suffix, path)
                    model.load_weights(path)
                results[key] = _diff(model, x, want)
            except Exception as err:
                results[key] = f"{type(err).__name__}: {err}"[:500]
    return results


if __name__ == "__main__":
    print(json.dumps(check(sys.argv[1])))
