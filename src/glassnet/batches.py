"""Batches from Python code: ``keras.utils.Sequence`` (Keras 3: ``PyDataset``), generators,
and ``ImageDataGenerator.flow`` iterators, as ``fit``/``evaluate``/``predict`` input.

    class Batches(tf.keras.utils.Sequence):
        def __len__(self): return 10
        def __getitem__(self, i): return x[32 * i:32 * (i + 1)], y[32 * i:32 * (i + 1)]
    model.fit(Batches(), epochs=5)
    model.fit(generator(), steps_per_epoch=20, epochs=5)

A batch is ``(x, y)``, ``(x, y, sample_weight)`` or ``x`` alone (``predict``).

glassnet reads the batches once, before training (``len(sequence)`` batches, or
``steps_per_epoch``/``steps`` batches of a generator, or a finite generator to its end),
joins them into arrays and trains on those arrays every epoch: the batch size is the first
batch's; a ``Sequence``'s samples are reshuffled each epoch when ``shuffle=True`` (Keras
reshuffles the order of whole batches), a generator's are kept in order, as Keras does.
So what a ``Sequence``'s ``on_epoch_end`` or a generator would change from one epoch to the
next (new random augmentations) is drawn once only; ``fit`` warns once when that can
happen.
"""

from __future__ import annotations

import collections.abc
from typing import Any

import numpy as np

from .errors import InputError
from .i18n import _
from .legacy import warn_once, warn_once_as

_MAX_BATCHES = 10_000  # a generator without steps that never ends: stop and say so


class Sequence:
    """``keras.utils.Sequence``: subclass it with ``__len__`` (batches per epoch) and
    ``__getitem__(i)`` (batch ``i``); ``on_epoch_end`` is optional."""

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10) -> None:
        """Keras 3's ``PyDataset`` arguments are accepted (glassnet reads in one thread)."""

    def __getitem__(self, index: int):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        """Called by Keras after each epoch (see the module's docstring for glassnet)."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


class PyDataset(Sequence):
    """Keras 3's name for ``Sequence``."""

    @property
    def num_batches(self) -> int:
        return len(self)


def is_batches(x) -> bool:
    """Whether ``x`` hands out batches: a ``Sequence`` (or anything with ``__getitem__``,
    ``__len__`` and ``on_epoch_end``) or an iterator such as a generator."""
    return isinstance(x, (Sequence, collections.abc.Iterator)) or (
        hasattr(x, "on_epoch_end") and hasattr(x, "__getitem__") and hasattr(x, "__len__"))


def _indexed(source) -> bool:
    """A ``Sequence`` (or ``flow``'s iterator): ``len`` batches, read by index."""
    return hasattr(source, "__len__") and hasattr(source, "__getitem__")


def _read(source, steps: int | None, where: str) -> list:
    if _indexed(source):
        n = len(source) if steps is None else min(int(steps), len(source))
        return [source[i] for i in range(n)]
    out = []
    limit = _MAX_BATCHES if steps is None else int(steps)
    for batch in source:
        out.append(batch)
        if len(out) >= limit:
            break
    if steps is None and len(out) >= _MAX_BATCHES:
        raise InputError(_("{where} read {n} batches from the generator and it has not "
                           "ended: pass steps_per_epoch (fit) or steps (evaluate, predict), "
                           "the number of batches in one epoch.").format(
                               where=where, n=len(out)))
    return out


def _join(parts: list) -> Any:
    """Batches of one structure (array, list/tuple or dict of arrays) joined on axis 0."""
    first = parts[0]
    if isinstance(first, dict):
        return {k: _join([p[k] for p in parts]) for k in first}
    if isinstance(first, list):
        return [_join([p[i] for p in parts]) for i in range(len(first))]
    return np.concatenate([np.asarray(p.numpy() if hasattr(p, "numpy") else p)
                           for p in parts])


def _changes_each_epoch(source) -> bool:
    if not _indexed(source):
        return True
    hook = getattr(type(source), "on_epoch_end", None)
    return hook is not None and hook is not Sequence.on_epoch_end


def to_arrays(source, y, steps: int | None, shuffle: bool, where: str):
    """``(x, y, sample_weight, batch_size, shuffle)`` from the batches of ``source``."""
    if y is not None:
        raise InputError(_("{where} got a generator or Sequence and y; its batches hold "
                           "(x, y) pairs: pass it alone.").format(where=where))
    batches = _read(source, steps, where)
    if not batches:
        raise InputError(_("The generator or Sequence gave no batches: there is nothing to "
                           "train or predict on."))
    if where == "fit" and _changes_each_epoch(source):
        kind = type(source).__name__
        warn_once_as(f"fit reads {kind} once", _(
            "fit reads the {n} batches of {kind} once, before training, and trains on them "
            "every epoch: on_epoch_end and new random batches (e.g. augmentation) are not "
            "drawn again each epoch.").format(n=len(batches), kind=kind), stacklevel=2)
    tuples = [b if isinstance(b, tuple) else (b,) for b in batches]
    width = len(tuples[0])
    if width > 3 or any(len(t) != width for t in tuples):
        raise InputError(_("Each batch must be (x, y), (x, y, sample_weight) or x alone, "
                           "the same for every batch; batch 0 is a tuple of {n}.").format(
                               n=width))
    if width == 3 and where != "fit":
        raise InputError(_("{where} does not take sample weights from batches (x, y, "
                           "sample_weight): give (x, y) batches.").format(where=where))
    columns = [_join([t[i] for t in tuples]) for i in range(width)]
    first = tuples[0][0]
    first = next(iter(first.values())) if isinstance(first, dict) else (
        first[0] if isinstance(first, list) else first)
    batch_size = len(first) if hasattr(first, "__len__") else None
    shuffle = shuffle and _indexed(source)
    return (columns[0], columns[1] if width > 1 else None, columns[2] if width > 2 else None,
            batch_size, shuffle)


# -- Keras 2's *_generator methods (Model.fit_generator is this function) -----------------
def fit_generator(model, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                  validation_data=None, validation_steps=None, validation_freq=1,
                  class_weight=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                  shuffle=True, initial_epoch=0):
    """Keras 2's ``model.fit_generator``: ``model.fit`` with the same arguments."""
    warn_once("Model.fit_generator", "Model.fit")
    return model.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                     verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                     validation_steps=validation_steps, validation_freq=validation_freq,
                     class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)


def evaluate_generator(model, generator, steps=None, callbacks=None, max_queue_size=10,
                       workers=1, use_multiprocessing=False, verbose=0):
    """Keras 2's ``model.evaluate_generator``: ``model.evaluate``."""
    warn_once("Model.evaluate_generator", "Model.evaluate")
    return model.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)


def predict_generator(model, generator, steps=None, callbacks=None, max_queue_size=10,
                      workers=1, use_multiprocessing=False, verbose=0):
    """Keras 2's ``model.predict_generator``: ``model.predict``."""
    warn_once("Model.predict_generator", "Model.predict")
    return model.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)
