"""Write the Keras 3 runs that tests/test_recurrent_state.py compares glassnet with.

Run with the throwaway Keras venv (/work/notes/KENV.md; not a glassnet dependency), from
the repository root:

    KERAS_BACKEND=torch OMP_NUM_THREADS=1 /work/kenv/bin/python \
        tests/keras_reference/make_rnn_state_refs.py

The models are in rnn_state_models.py, shared with the test. Weights are drawn from NumPy
(``weights(model)``), the same in both libraries. For each trained model it writes
``tests/data/keras_refs/rnn_<name>.npz``: ``w<i>`` the weights set, ``pred0`` the
predictions with them, ``eval0`` evaluate's [loss, metric...], ``loss``/``acc`` the
History of 2 epochs of SGD(0.1) on the whole data as one batch (with
``SAMPLE_WEIGHTS`` where given), ``final<i>`` the weights
after. ``rnn_stateful.npz``: predictions of three consecutive batches, then of the third
again after ``reset_states()``. ``rnn_states_out.npz``: every output of ``states_out``.
The trained models of ``SAVED`` go as ``.keras`` and ``.h5`` files, with ``<name>.npz``
holding their predictions ``y``, into ``tests/data/keras_files/rnn_state_files.tar.xz``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import rnn_state_models as M  # noqa: E402
from archive import pack  # noqa: E402

OUT = HERE.parent / "data" / "keras_refs"
ARCHIVE = HERE.parent / "data" / "keras_files" / "rnn_state_files.tar.xz"
SAVED = ("seq2seq", "gru_states", "masked_steps", "cells", "pooled_text", "bidirectional_cells")


def weights(model, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()]


def main() -> None:
    keras.utils.set_random_seed(0)
    files = tempfile.TemporaryDirectory()
    for i, make in enumerate(M.TRAINED):
        model, compile_kw, (x, y) = make(keras)
        w0 = weights(model, 100 + i)
        model.set_weights(w0)
        model.compile(optimizer=keras.optimizers.SGD(0.1), **compile_kw)
        out = {f"w{j}": w for j, w in enumerate(w0)}
        out["pred0"] = np.asarray(model.predict(x, verbose=0))
        out["eval0"] = np.asarray(model.evaluate(x, y, verbose=0))
        hist = model.fit(x, y, epochs=2, batch_size=len(y), shuffle=False, verbose=0,
                         sample_weight=M.SAMPLE_WEIGHTS.get(make.__name__)).history
        out["loss"] = np.asarray(hist["loss"])
        if "accuracy" in hist:
            out["acc"] = np.asarray(hist["accuracy"])
        out.update({f"final{j}": w for j, w in enumerate(model.get_weights())})
        np.savez(OUT / f"rnn_{make.__name__}.npz", **out)
        if make.__name__ in SAVED:  # the trained model as Keras files, and what it predicts
            base = os.path.join(files.name, make.__name__)
            model.save(base + ".keras")
            model.save(base + ".h5")
            np.savez(base + ".npz", y=np.asarray(model.predict(x, verbose=0)))
    model, batches = M.stateful(keras)
    model.set_weights(weights(model, 200))
    preds = [model.predict(b, verbose=0, batch_size=2) for b in batches]
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_states()
    preds.append(model.predict(batches[2], verbose=0, batch_size=2))
    np.savez(OUT / "rnn_stateful.npz", preds=np.stack(preds), w=np.asarray(0))
    model, x = M.states_out(keras)
    model.set_weights(weights(model, 300))
    outs = model.predict(x, verbose=0)
    np.savez(OUT / "rnn_states_out.npz", **{f"out{j}": o for j, o in enumerate(outs)})
    cells, xs, h0 = M.cell_steps(keras)
    steps = {}
    for i, cell in enumerate(cells):
        states = [h0, h0] if i == 0 else [h0]
        cell.build((None, xs.shape[-1]))
        for j, w in enumerate(weights(cell, 400 + i)):
            cell.weights[j].assign(w)
        for t in range(len(xs)):
            out, states = cell(xs[t], states)
            steps[f"cell{i}_step{t}"] = keras.ops.convert_to_numpy(out)
        steps[f"cell{i}_states"] = np.stack([keras.ops.convert_to_numpy(s) for s in states])
    np.savez(OUT / "rnn_cell_steps.npz", **steps)
    pack(files.name, ARCHIVE)
    files.cleanup()
    print("wrote", sorted(p.name for p in OUT.glob("rnn_*.npz")), ARCHIVE.name)


if __name__ == "__main__":
    main()
