"""The batch loops of ``fit``, ``evaluate`` and ``predict``, and the callback list.

Each loop is a skeleton, as in Keras::

    for epoch in range(epochs):
        for step in range(steps):
            callbacks.on_train_batch_begin(step)
            loss, outputs = model.train_step(x_batch, y_batch)   # the algorithm
            callbacks.on_train_batch_end(step, logs)

The data arrive checked (``data.prepare``), as one array per input and per output, in
the user's own dtype: each batch is cast to float32 on its way in.
"""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np

from . import _lazy, backend, blas, validation
from . import random as grandom
from .faults import InterruptGuard, NonFiniteLoss, WeightSnapshot, interrupted, stop_on_nonfinite
from .i18n import _
from .progress import Progbar

callbacks_module = _lazy.module(__package__ + ".callbacks")  # loaded by the first fit

# Keras 2's names for the train-batch hooks, still called (Keras calls both).
_LEGACY = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end")


class CallbackList:
    """Every callback of one ``fit``/``evaluate``/``predict`` call behind one object.

    ``callbacks.on_epoch_end(epoch, logs)`` calls the hook of each callback that defines
    it (a per-batch hook nobody defines costs nothing) and always passes a ``logs`` dict.
    """

    def __init__(self, callbacks, model, params: dict) -> None:
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
        self.hooks = {hook: [cb for cb in self.callbacks if _defines(cb, hook)]
                      for hook in _HOOKS}
        for hook, targets in self.hooks.items():  # resolved once, not at every step
            setattr(self, hook, _caller(hook, targets))

    def wants(self, hook: str) -> bool:
        return bool(self.hooks[hook])


def _caller(hook: str, targets: list):
    """``hook(*args, logs={})`` on each of ``targets``; a function that does nothing when
    there are none (the per-batch hooks of a plain ``fit``)."""
    if not targets:
        return _nothing
    methods = [getattr(cb, hook) for cb in targets]

    def call(*args):
        logs = args[-1] if args and isinstance(args[-1], dict) else None
        if logs is None:
            logs = {}
        else:
            args = args[:-1]
        for method in methods:
            method(*args, logs)
    return call


def _nothing(*args) -> None:
    pass


def _defines(cb, hook: str) -> bool:
    if callbacks_module.overrides(cb, hook):
        return True
    legacy = _LEGACY.get(hook)
    return legacy is not None and hasattr(cb, legacy) and \
        getattr(type(cb), legacy, None) is not getattr(callbacks_module.Callback, legacy, None)


def batches(model, xs: list[np.ndarray]):
    """A function giving the batch ``idx`` of every input in the type its layers expect.

    ``fit``, ``evaluate`` and ``predict`` keep the data in the user's own dtype and cast
    each batch on its way in: for the tutorial's ``x_train / 255.0`` (float64) that saves
    a float32 copy of the whole set, 188 MB for MNIST, for about 20 µs per batch. Inputs
    declared as integers (``Input(shape=(20,), dtype="int32")``, for ``Embedding``) stay
    integers.
    """
    floatx = backend.floatx()
    graph = model.graph_or_none  # None: a model with only train_step takes the data as is
    cast = ([not str(t.dtype).startswith(("int", "uint")) and x.dtype.kind not in "USO"
             for t, x in zip(graph.inputs, xs)] if graph  # strings go to TextVectorization
            else [x.dtype.kind == "f" for x in xs])
    if len(xs) == 1 and cast[0]:  # the usual case, without the loop
        x = xs[0]
        return lambda idx: [x[idx].astype(floatx, copy=False)]

    def take(idx) -> list[np.ndarray]:
        return [x[idx].astype(floatx, copy=False) if c else x[idx] for x, c in zip(xs, cast)]
    return take


def fit(model, xs, ys, batch_size: int, epochs: int, verbose, callbacks, val, shuffle: bool,
        initial_epoch: int, terminate_on_nan: bool, sample_weight=None,
        steps_per_epoch: int | None = None, validation_freq: int = 1):
    """The training loop of ``Model.fit`` (its arguments already checked).

    ``sample_weight``: one weight per sample (``class_weight`` arrives converted).
    ``steps_per_epoch``: batches per epoch; beyond one pass over the data it goes on with a
    new shuffled pass, as a repeated dataset would.
    """
    model.bind()
    model.compiled.claim_fusion(model)  # a layer may have been fused by another model
    graph = model.graph_or_none  # None: a model with only its own train_step
    if graph is not None:
        graph.plan(input_grads=False)  # the first layers skip dL/dx
    n = len(xs[0])
    steps = steps_per_epoch or math.ceil(n / batch_size)
    verbose = 1 if verbose == "auto" else int(verbose)
    history = callbacks_module.History()
    cbs = ([callbacks_module.ProgbarLogger(verbose)] if verbose else []) + list(callbacks or [])
    cbs.append(history)
    cbs = CallbackList(cbs, model, {"epochs": epochs, "steps": steps, "verbose": verbose,
                                    "batch_size": batch_size})
    compiled = model.compiled
    batch = batches(model, xs)
    per_batch_logs = cbs.wants("on_train_batch_end")
    custom = model.custom_train_step  # the user's train_step(data) returns the logs
    if model.fitting and model.fit_thread != threading.get_ident():
        raise RuntimeError(_("Model {name!r} is already training in another thread: one fit "
                             "at a time per model. Wait for it, or train a copy.").format(
            name=model.name))
    # fit called from a callback of another fit: give the outer one its settings back
    outer = (model.terminate_on_nan, model.history) if model.fitting else None
    model.fitting, model.fit_thread = True, threading.get_ident()
    model.stop_training = False
    model.history = history
    model.terminate_on_nan = bool(terminate_on_nan)
    snapshot = WeightSnapshot(model)  # the last finite weights, in case a loss is NaN
    epoch, step, logs = initial_epoch, -1, {}
    guard = InterruptGuard(model)  # Ctrl-C: stop after the current step
    threads = blas.limit_threads(model, batch_size)  # 1 for small products (see blas.py)
    try:
        model.resume_epoch = None
        cbs.on_train_begin({})
        if model.resume_epoch is not None:  # BackupAndRestore found an interrupted run
            initial_epoch = model.resume_epoch
        for epoch in range(initial_epoch, epochs):
            snapshot.take(epoch)
            step = -1
            cbs.on_epoch_begin(epoch, {})
            order = _order(n, steps * batch_size if steps_per_epoch else n, shuffle)
            loss_sum, seen = 0.0, 0
            compiled.reset()
            for m in model.metrics if custom else ():
                m.reset_state()
            for step in range(steps):
                idx = order[step * batch_size:(step + 1) * batch_size]
                xb = batch(idx)
                yb = [y[idx] for y in ys]
                cbs.on_train_batch_begin(step)
                if custom:
                    data = (_one(xb), _one(yb)) if yb else _one(xb)
                    logs = _custom_logs(model.train_step(data))
                    cbs.on_train_batch_end(step, logs)
                    if model.stop_training:
                        break
                    continue
                with model.lock:  # predict from another thread waits for this step
                    if sample_weight is None:
                        loss, out = model.train_step(xb, yb)
                    else:
                        loss, out = model.train_step(xb, yb, sample_weight[idx])
                loss_sum += float(loss) * len(idx)
                seen += len(idx)  # (the last batch may be smaller)
                compiled.accumulate(len(idx))
                compiled.update_metrics(yb, out)
                if per_batch_logs:
                    cbs.on_train_batch_end(step, compiled.logs(loss_sum / seen, seen))
                if model.stop_training:  # a callback or Ctrl-C: stop after this step
                    break
            guard.raise_if_requested()  # Ctrl-C: the unfinished epoch is not recorded
            if not custom:
                logs = compiled.logs(loss_sum / seen, seen)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = _evaluate(model, *val, batch_size, None, cbs)
                logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
        cbs.on_train_end(logs)
        guard.raise_if_requested()
    except NonFiniteLoss as err:
        stop_on_nonfinite(model, err, epoch, step, epochs, steps, snapshot)
        cbs.on_train_end({})
    except KeyboardInterrupt:
        raise interrupted(model, history, epoch, step, epochs, steps) from None
    finally:
        threads.restore()
        guard.uninstall()
        if graph is not None:
            graph.plan(input_grads=True)
        if outer is None:
            model.terminate_on_nan, model.fitting, model.fit_thread = False, False, None
        else:
            model.terminate_on_nan, model.history = outer
    return history


def _order(n: int, size: int, shuffle: bool) -> np.ndarray:
    """Sample indices for one epoch: a permutation of ``range(n)`` (or ``range(n)`` itself),
    with more passes appended while ``steps_per_epoch`` asks for more than ``n`` samples."""
    passes = [grandom.rng().permutation(n) if shuffle else np.arange(n)]
    while len(passes) * n < size:
        passes.append(grandom.rng().permutation(n) if shuffle else np.arange(n))
    return passes[0] if len(passes) == 1 else np.concatenate(passes)


def _one(arrays: list):
    """One array for a one-input (or one-output) model, else the list: Keras's ``data``."""
    return arrays[0] if len(arrays) == 1 else arrays


def _custom_logs(logs) -> dict[str, float]:
    """What a user's ``train_step`` returned, as numbers (Keras takes tensors too)."""
    if not isinstance(logs, dict):
        raise TypeError(_("train_step must return a dict of logs such as {{'loss': ...}}, "
                          "got {kind}. End it with: return {{m.name: m.result() for m in "
                          "self.metrics}}.").format(kind=type(logs).__name__))
    return {k: float(np.asarray(v)) for k, v in logs.items()}


def _evaluate(model, xs, ys, batch_size: int, progbar: Progbar | None, cbs) -> dict:
    if model.custom_test_step:
        return _evaluate_custom(model, xs, ys, batch_size, progbar, cbs)
    compiled = model.compiled
    compiled.reset()
    batch = batches(model, xs)
    loss_sum, n = 0.0, len(xs[0])
    cbs.on_test_begin({})
    steps = math.ceil(n / batch_size)
    for step in range(steps):
        cbs.on_test_batch_begin(step, {})
        sl = slice(step * batch_size, (step + 1) * batch_size)
        xb = batch(sl)
        yb = [y[sl] for y in ys]
        with model.lock:
            out = model.graph.forward(xb)
        loss_sum += float(compiled.loss_value(yb, out)) * len(xb[0])
        seen = min(n, (step + 1) * batch_size)
        compiled.accumulate(len(xb[0]))
        compiled.update_metrics(yb, out)
        if progbar is not None or cbs.wants("on_test_batch_end"):
            logs = compiled.logs(loss_sum / seen, seen)
            cbs.on_test_batch_end(step, logs)
            if progbar is not None:
                progbar.update(step + 1, logs)
    logs = compiled.logs(loss_sum / n, n)
    cbs.on_test_end(logs)
    return logs


def _evaluate_custom(model, xs, ys, batch_size: int, progbar: Progbar | None, cbs) -> dict:
    """``_evaluate`` through the user's ``test_step(data)``, which returns the logs."""
    for m in model.metrics:
        m.reset_state()
    batch = batches(model, xs)
    cbs.on_test_begin({})
    logs: dict = {}
    for step in range(math.ceil(len(xs[0]) / batch_size)):
        cbs.on_test_batch_begin(step, {})
        sl = slice(step * batch_size, (step + 1) * batch_size)
        xb, yb = batch(sl), [y[sl] for y in ys]
        logs = _custom_logs(model.test_step((_one(xb), _one(yb)) if yb else _one(xb)))
        cbs.on_test_batch_end(step, logs)
        if progbar is not None:
            progbar.update(step + 1, logs)
    cbs.on_test_end(logs)
    return logs


def evaluate(model, xs, ys, batch_size: int, verbose, callbacks) -> dict:
    """The loop of ``Model.evaluate``: the loss and metrics over all batches."""
    verbose = 1 if verbose == "auto" else int(verbose)
    steps = math.ceil(len(xs[0]) / batch_size)
    bar = Progbar(steps, verbose) if verbose else None
    cbs = CallbackList(callbacks, model, {"steps": steps, "verbose": verbose})
    with blas.limit_threads(model, batch_size):
        logs = _evaluate(model, xs, ys, batch_size, bar, cbs)
    if bar is not None:
        bar.update(steps, logs, finalize=True)
    return logs


def predict(model, xs, batch_size: int, verbose, callbacks) -> list[np.ndarray]:
    """The loop of ``Model.predict``: the outputs for every sample, batch by batch.

    Inference needs no per-batch updates, so unless a callback watches each batch, the
    rows are computed ``chunk`` at a time (up to 1,024, within ``CHUNK_BYTES`` of
    activations per layer): one matrix product per layer instead of 32, the same values
    to float32 rounding (10,000 MNIST images: 45 ms in batches of 32, about 20 ms).
    The progress bar still counts ``batch_size`` steps, as Keras shows them.
    """
    n = len(xs[0])
    verbose = 1 if verbose == "auto" else int(verbose)
    steps = math.ceil(n / batch_size)
    bar = Progbar(steps, verbose) if verbose else None
    cbs = CallbackList(callbacks, model, {"steps": steps, "verbose": verbose})
    per_batch = cbs.wants("on_predict_batch_begin") or cbs.wants("on_predict_batch_end")
    chunk = batch_size if per_batch else _inference_rows(model, batch_size)
    outs = None
    batch = batches(model, xs)
    cbs.on_predict_begin({})
    # NumPy's warnings about NaN would come before the clear message below
    with blas.limit_threads(model, chunk), np.errstate(all="ignore"):
        for step in range(math.ceil(n / chunk)):
            cbs.on_predict_batch_begin(step, {})
            sl = slice(step * chunk, (step + 1) * chunk)
            with model.lock:  # fit in another thread: between its steps, not inside one
                values = model.graph.forward(batch(sl))
            if outs is None:
                outs = [np.empty((n, *a.shape[1:]), a.dtype) for a in values]
            for out, a in zip(outs, values):
                out[sl] = a
            cbs.on_predict_batch_end(step, {"outputs": values[0] if len(values) == 1
                                            else values})
            if bar is not None:
                bar.update(min(steps, math.ceil(min(n, (step + 1) * chunk) / batch_size)))
    if bar is not None:
        bar.update(steps, finalize=True)
    cbs.on_predict_end({})
    for out in outs:
        if not np.isfinite(out).all():
            _non_finite_outputs(xs, out)
    return outs


CHUNK_BYTES = 16 << 20  # activations of one layer for one chunk of predict


def _inference_rows(model, batch_size: int) -> int:
    """Rows per forward pass in ``predict``: at least ``batch_size``, at most 1,024, with
    each layer's output for the chunk within ``CHUNK_BYTES``."""
    widest = 1
    for layer in model.leaves():
        shape = layer.output_shape if isinstance(layer.output_shape, tuple) else ()
        widest = max(widest, math.prod(d for d in shape if isinstance(d, int)))
    return max(batch_size, min(1024, CHUNK_BYTES // (4 * widest)))


def _non_finite_outputs(xs: list[np.ndarray], out: np.ndarray) -> None:
    """``predict`` gave NaN or inf: an error naming the bad values of ``x`` if there are
    any, else a warning that the weights themselves have gone bad."""
    for x in xs:
        if x.dtype.kind in "fc":
            validation.values(x)
    bad = out.size - int(np.count_nonzero(np.isfinite(out)))
    warnings.warn(_(
        "predict: {bad} of the {size} outputs are NaN or infinite, although x is finite. "
        "The model's weights are probably NaN or very large (training diverged: try a "
        "smaller learning rate); [np.isfinite(w).all() for w in model.get_weights()] "
        "shows which.").format(bad=bad, size=out.size), RuntimeWarning, stacklevel=4)
