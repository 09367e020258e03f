"""``tf.data.Dataset``, the part that tutorials use, on NumPy arrays.

A ``Dataset`` is a recipe for a sequence of *elements*, each an array, a tuple or a dict of
arrays (the structure given to ``from_tensor_slices``). Every method returns a new
``Dataset`` that transforms the sequence of its parent, lazily, as TensorFlow's do::

    ds = (tf.data.Dataset.from_tensor_slices((x_train, y_train))   # elements (x[i], y[i])
          .shuffle(10000, seed=0)                                  # a buffer of 10,000
          .batch(32)                                               # (x[i:i+32], y[i:i+32])
          .map(lambda x, y: (x / 255.0, y))                        # on each batch
          .prefetch(tf.data.AUTOTUNE))
    for x_batch, y_batch in ds:                                    # NumPy arrays
        ...

Differences from TensorFlow: elements are NumPy arrays (not tensors; they have ``.numpy()``
too), ``map`` runs the function eagerly in Python on NumPy arrays, and
``prefetch``/``num_parallel_calls`` change nothing (there is no second thread to fill a
buffer).

``to_arrays()`` turns a finite dataset back into ``(x, y, batch_size, shuffle)``, the
arguments that ``fit``/``evaluate``/``predict`` take.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import random
from .errors import InputError
from .i18n import _


def TextLineDataset(filenames, compression_type=None, buffer_size=None,  # noqa: N802
                    num_parallel_reads=None, name=None) -> Dataset:
    """``tf.data.TextLineDataset``: one string element per line of the text files, in
    order, without the line ends."""
    paths = [filenames] if isinstance(filenames, (str, bytes)) or not hasattr(
        filenames, "__iter__") else list(filenames)
    lines: list[str] = []
    for path in paths:
        path = path.decode() if isinstance(path, bytes) else str(np.asarray(path))
        with open(path, encoding="utf-8") as f:
            lines += f.read().splitlines()
    return Dataset.from_tensor_slices(np.asarray(lines, dtype=str))


AUTOTUNE = -1  # tf.data.AUTOTUNE: "let the runtime choose"; nothing to choose here
INFINITE_CARDINALITY = -1  # what cardinality() returns after repeat()
UNKNOWN_CARDINALITY = -2  # after filter(): the count is known only by iterating


def _map_structure(f: Callable, element):
    """``f`` applied to each array of a tuple/dict/array structure, keeping its shape."""
    if isinstance(element, tuple):
        return tuple(_map_structure(f, e) for e in element)
    if isinstance(element, dict):
        return {k: _map_structure(f, v) for k, v in element.items()}
    return f(element)


def _leaves(element) -> list:
    if isinstance(element, tuple):
        return [leaf for e in element for leaf in _leaves(e)]
    if isinstance(element, dict):
        return [leaf for v in element.values() for leaf in _leaves(v)]
    return [element]


def _stack(elements: list, join: Callable = np.stack):
    """Elements of one structure joined into one element of arrays: ``join`` is ``np.stack``
    (batching) or ``np.concatenate`` (joining batches)."""
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_stack([e[i] for e in elements], join) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements], join) for k in first}
    return join([np.asarray(e) for e in elements])


def _as_structure(data):
    """What ``from_tensor_slices`` takes: tuples and dicts keep their structure; anything
    else (a list of numbers, a DataFrame column, an array) becomes one array."""
    if isinstance(data, tuple):
        return tuple(_as_structure(d) for d in data)
    if isinstance(data, dict):
        return {k: _as_structure(v) for k, v in data.items()}
    if hasattr(data, "to_numpy"):  # pandas
        return data.to_numpy()
    return np.asarray(data)


class Element(np.ndarray):
    """An array read from a dataset: a NumPy array in every way, plus TensorFlow's
    ``.numpy()`` (tutorials write ``idx2char[x.numpy()]``), which gives the plain array."""

    def numpy(self) -> np.ndarray:
        return np.asarray(self)


class Dataset:
    """A sequence of elements made lazily from a source, with TensorFlow's methods.

    Build one with ``Dataset.from_tensor_slices``, ``from_tensors``, ``range`` or
    ``zip``; iterating it (``for element in ds``) runs the recipe from the start each time,
    as each epoch does in TensorFlow.
    """

    def __init__(self, make: Callable[[bool], Iterator], cardinality: int,
                 parent: Dataset | None = None, batch_size: int | None = None,
                 shuffled: bool = False) -> None:
        # make(plain): an iterator over the elements; plain=True skips shuffling and
        # repeating (to_arrays reads the data once, in order)
        self._make = make
        self._cardinality = cardinality
        self._batch_size = batch_size if batch_size is not None else (
            parent._batch_size if parent is not None else None)
        self._shuffled = shuffled or (parent is not None and parent._shuffled)

    def _then(self, make: Callable[[bool], Iterator], cardinality: int | None = None,
              **kwargs) -> Dataset:
        return Dataset(make, self._cardinality if cardinality is None else cardinality,
                       parent=self, **kwargs)

    # -- sources ---------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors) -> Dataset:
        """One element per row: ``(x, y)`` gives ``(x[0], y[0]), (x[1], y[1]), ...``.

        Every array must have the same number of rows (the first axis)."""
        data = _as_structure(tensors)
        leaves = _leaves(data)
        for leaf in leaves:
            if leaf.ndim == 0:
                raise InputError(_("from_tensor_slices needs arrays with a first axis to "
                                   "slice, got the single value {item!r}; use "
                                   "Dataset.from_tensors for one element.").format(
                                       item=leaf.item()))
        lengths = [len(leaf) for leaf in leaves]
        if len(set(lengths)) > 1:
            shapes = ", ".join(str(leaf.shape) for leaf in leaves)
            raise InputError(_("from_tensor_slices needs arrays with the same number of "
                               "rows, got shapes {shapes}. Give one row per sample in "
                               "each.").format(shapes=shapes))
        n = lengths[0]

        def make(plain: bool) -> Iterator:
            for i in range(n):
                yield _map_structure(lambda a, i=i: a[i], data)

        return Dataset(make, n)

    @staticmethod
    def from_tensors(tensors) -> Dataset:
        """A dataset of one element, ``tensors`` itself."""
        data = _as_structure(tensors)
        return Dataset(lambda plain: iter([data]), 1)

    @staticmethod
    def from_generator(generator: Callable, output_types=None, output_shapes=None,
                       args=None, output_signature=None) -> Dataset:
        """The elements ``generator(*args)`` yields, each as arrays; it is called again for
        each pass over the dataset (``output_types``/``output_signature`` are not needed:
        the arrays keep their own dtypes)."""
        call_args = tuple(args or ())

        def make(plain: bool) -> Iterator:
            for element in generator(*call_args):
                yield _as_structure(element)

        return Dataset(make, UNKNOWN_CARDINALITY)

    @staticmethod
    def range(*args) -> Dataset:
        """``range(5)`` gives 0, 1, 2, 3, 4 (as int64 scalars), like Python's ``range``."""
        values = np.arange(*args, dtype=np.int64)
        return Dataset(lambda plain: iter(list(values)), len(values))

    @staticmethod
    def zip(datasets, *more) -> Dataset:
        """Elements side by side: ``zip((a, b))`` gives ``(a[i], b[i])``, as long as the
        shorter."""
        if more:  # Dataset.zip(a, b), as newer TensorFlow also accepts
            datasets = (datasets, *more)
        parts = tuple(datasets)
        counts = [d.cardinality() for d in parts]
        finite = [c for c in counts if c >= 0]
        if finite:
            n = min(finite)
        else:
            n = UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in counts else INFINITE_CARDINALITY

        def make(plain: bool) -> Iterator:
            return zip(*(d._make(plain) for d in parts))

        return Dataset(make, n)

    # -- transformations ---------------------------------------------------------------
    def shuffle(self, buffer_size: int, seed: int | None = None,
                reshuffle_each_iteration: bool = True) -> Dataset:
        """Random order, TensorFlow's way: fill a buffer of ``buffer_size`` elements, then
        repeatedly yield a random one and refill its place with the next element.

        ``buffer_size`` at least the dataset's size gives a uniform shuffle; a smaller one
        only mixes nearby elements. ``seed`` makes the orders repeatable; without it they
        follow ``glassnet.utils.set_random_seed``. Each iteration (epoch) gets a new order
        unless ``reshuffle_each_iteration=False``.
        """
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, (int, np.integer)) \
                or buffer_size < 1:
            raise ValueError(_("shuffle(buffer_size) must be a positive integer, got "
                               "{buffer_size!r}; a common choice is the number of "
                               "samples.").format(buffer_size=buffer_size))
        seeds = np.random.default_rng(seed) if seed is not None else random.rng()
        first = int(seeds.integers(2**63))
        parent = self

        def make(plain: bool) -> Iterator:
            source = parent._make(plain)
            if plain:
                yield from source
                return
            rng = np.random.default_rng(
                int(seeds.integers(2**63)) if reshuffle_each_iteration else first)
            buffer: list = []
            for element in source:
                if len(buffer) < buffer_size:
                    buffer.append(element)
                    continue
                i = int(rng.integers(len(buffer)))
                yield buffer[i]
                buffer[i] = element
            while buffer:  # the source is spent: empty the buffer in random order
                yield buffer.pop(int(rng.integers(len(buffer))))

        return self._then(make, shuffled=True)

    def batch(self, batch_size: int, drop_remainder: bool = False, **kwargs) -> Dataset:
        """Groups of ``batch_size`` consecutive elements stacked into arrays with a new
        first axis; the last group may be smaller unless ``drop_remainder=True``."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(_("batch(batch_size) must be a positive integer, got "
                               "{batch_size!r}, e.g. batch(32).").format(batch_size=batch_size))
        batch_size = int(batch_size)
        parent = self

        def make(plain: bool) -> Iterator:
            group: list = []
            for element in parent._make(plain):
                group.append(element)
                if len(group) == batch_size:
                    yield _stack(group)
                    group = []
            if group and not drop_remainder:
                yield _stack(group)

        n = self._cardinality
        if n >= 0:
            n = n // batch_size if drop_remainder else -(-n // batch_size)
        return self._then(make, n, batch_size=batch_size)

    def unbatch(self) -> Dataset:
        """The inverse of ``batch``: each row of each element becomes an element."""
        parent = self

        def make(plain: bool) -> Iterator:
            for element in parent._make(plain):
                for i in range(len(_leaves(element)[0])):
                    yield _map_structure(lambda a, i=i: a[i], element)

        n = UNKNOWN_CARDINALITY if self._cardinality >= 0 else self._cardinality
        out = self._then(make, n)
        out._batch_size = None
        return out

    def map(self, map_func: Callable, num_parallel_calls: int | None = None,
            deterministic: bool | None = None, **kwargs) -> Dataset:
        """``map_func`` applied to each element; a tuple element is passed as separate
        arguments, ``map_func(x, y)``, as TensorFlow does. The function receives NumPy
        arrays and runs eagerly, once per element per iteration."""
        parent = self

        def make(plain: bool) -> Iterator:
            for element in parent._make(plain):
                out = map_func(*element) if isinstance(element, tuple) else map_func(element)
                yield _map_structure(np.asarray, tuple(out) if isinstance(out, list) else out)

        return self._then(make)

    def filter(self, predicate: Callable) -> Dataset:
        """Only the elements for which ``predicate(element)`` is true."""
        parent = self

        def make(plain: bool) -> Iterator:
            for element in parent._make(plain):
                keep = predicate(*element) if isinstance(element, tuple) else predicate(element)
                if bool(np.asarray(keep)):
                    yield element

        n = UNKNOWN_CARDINALITY if self._cardinality >= 0 else self._cardinality
        return self._then(make, n)

    def repeat(self, count: int | None = None) -> Dataset:
        """The sequence ``count`` times (forever with ``None`` or -1)."""
        parent = self
        forever = count is None or count < 0

        def make(plain: bool) -> Iterator:
            if plain:  # to_arrays reads one pass
                yield from parent._make(plain)
                return
            done = 0
            while forever or done < count:
                yield from parent._make(plain)
                done += 1

        n = self._cardinality
        if forever:
            n = INFINITE_CARDINALITY if n != 0 else 0
        elif n >= 0:
            n *= count
        return self._then(make, n)

    def take(self, count: int) -> Dataset:
        """The first ``count`` elements (all of them with -1)."""
        parent = self

        def make(plain: bool) -> Iterator:
            for i, element in enumerate(parent._make(plain)):
                if 0 <= count <= i:
                    return
                yield element

        n = self._cardinality
        if count >= 0:
            n = count if n == INFINITE_CARDINALITY else (min(n, count) if n >= 0 else n)
        return self._then(make, n)

    def skip(self, count: int) -> Dataset:
        """All but the first ``count`` elements."""
        parent = self

        def make(plain: bool) -> Iterator:
            for i, element in enumerate(parent._make(plain)):
                if i >= count:
                    yield element

        n = self._cardinality
        if n >= 0:
            n = max(n - count, 0)
        return self._then(make, n)

    def cache(self, filename: str = "") -> Dataset:
        """Remember the elements of the first full iteration and replay them afterwards
        (so a random ``map`` before ``cache`` is drawn once). Kept in memory; ``filename``
        is accepted for TensorFlow's signature and not written."""
        parent = self
        stored: dict[bool, list] = {}

        def make(plain: bool) -> Iterator:
            if plain in stored:
                yield from stored[plain]
                return
            elements = []
            for element in parent._make(plain):
                elements.append(element)
                yield element
            stored[plain] = elements  # reached only when the iteration went to the end

        return self._then(make)

    def prefetch(self, buffer_size: int = AUTOTUNE) -> Dataset:
        """TensorFlow prepares the next elements in the background; here it changes
        nothing (the same elements, in the same order)."""
        return self._then(self._make)

    # -- reading ---------------------------------------------------------------------
    def __iter__(self) -> Iterator:
        """The elements, as arrays that also have TensorFlow's ``.numpy()`` (``Element``)."""
        for element in self._make(False):
            yield _map_structure(lambda a: np.asarray(a).view(Element), element)

    def as_numpy_iterator(self) -> Iterator:
        """The elements as plain NumPy arrays."""
        return self._make(False)

    def cardinality(self) -> int:
        """The number of elements; ``INFINITE_CARDINALITY`` (-1) after ``repeat()``,
        ``UNKNOWN_CARDINALITY`` (-2) after ``filter``."""
        return self._cardinality

    def __len__(self) -> int:
        if self._cardinality == INFINITE_CARDINALITY:
            raise TypeError(_("The dataset is infinite (it ends in repeat())."))
        if self._cardinality < 0:
            raise TypeError(_("The dataset's length is unknown (it was filtered); "
                              "iterate to count it."))
        return self._cardinality

    def __repr__(self) -> str:
        return f"<Dataset cardinality={self._cardinality} batch_size={self._batch_size}>"

    def to_arrays(self) -> tuple[Any, Any, int | None, bool]:
        """``(x, y, batch_size, shuffle)`` for ``fit``/``evaluate``/``predict``.

        The dataset is read once, in order, without its shuffling and repeats; batches are
        joined back into whole arrays. Elements ``(x, y)`` give ``x`` and ``y``; elements
        that are one array (or a dict of arrays) give ``x`` and ``y = None``. ``batch_size``
        is the one given to ``batch`` (None if the dataset is not batched) and ``shuffle``
        says whether it shuffles: ``fit`` then shuffles all samples each epoch (for a
        ``shuffle`` buffer smaller than the data, a stronger mix than TensorFlow's).
        A random ``map`` is drawn once here, not again each epoch.
        """
        x, y, sample_weight, batch_size, shuffle = self.to_weighted_arrays()
        if sample_weight is not None:
            raise InputError(
                _("The dataset's elements are (x, y, sample_weight) triples: fit reads "
                  "them, but evaluate, predict and to_arrays take (x, y) pairs only "
                  "(to_weighted_arrays gives the weights too)."))
        return x, y, batch_size, shuffle

    def to_weighted_arrays(self) -> tuple[Any, Any, Any, int | None, bool]:
        """``(x, y, sample_weight, batch_size, shuffle)``, as ``to_arrays``; elements
        ``(x, y, sample_weight)`` give the weights too (None otherwise), as Keras's ``fit``
        reads them."""
        elements = list(self._make(True))
        if not elements:
            raise InputError(_("The dataset is empty: there is nothing to train or "
                               "predict on."))
        join = np.concatenate if self._batch_size is not None else np.stack
        try:
            data = _stack(elements, join)
        except ValueError as err:
            raise InputError(_("The dataset's elements cannot be joined into arrays "
                               "({err}): every element must have the same structure and "
                               "shape per sample.").format(err=err)) from None
        if isinstance(data, tuple):
            if len(data) in (2, 3):
                return (data[0], data[1], data[2] if len(data) == 3 else None,
                        self._batch_size, self._shuffled)
            if len(data) == 1:
                return data[0], None, None, self._batch_size, self._shuffled
            raise InputError(
                _("The dataset's elements are tuples of {n_data}; fit takes (x, y) or "
                  "(x, y, sample_weight).").format(n_data=len(data)))
        return data, None, None, self._batch_size, self._shuffled


# tf.data.experimental's names that tutorials written for TensorFlow 2.0-2.3 use
experimental = types.SimpleNamespace(
    AUTOTUNE=AUTOTUNE, INFINITE_CARDINALITY=INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY=UNKNOWN_CARDINALITY, cardinality=Dataset.cardinality)
