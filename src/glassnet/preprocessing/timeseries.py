"""``timeseries_dataset_from_array``: sliding windows over a series, as a ``Dataset`` of
batches, with Keras 3's arguments and order.

Window ``k`` starts at ``s_k = k · sequence_stride`` (from ``start_index``) and reads the
rows ``s_k, s_k + r, ..., s_k + (L - 1) r`` (``L = sequence_length``, ``r = sampling_rate``);
its target is ``targets[s_k]`` (also counted from ``start_index``). There are
``end_index - start_index - (L - 1) r`` possible starts (fewer if ``targets`` is shorter),
every ``sequence_stride``-th of which is used. ``shuffle`` shuffles the starts once with
``numpy.random.RandomState(seed)`` (Keras's shuffle), then within a buffer of
``8 · batch_size`` each epoch. Windows are cut when read, so a long series is not copied
``L`` times.

Example (Keras's docs): rows 0..98 with ``L = 10``, ``r = 2``, ``sequence_stride = 3`` give
windows ``[0, 2, ..., 18]``, ``[3, 5, ..., 21]``, ``[6, 8, ..., 24]``, ..., ``[78, ..., 96]``.
"""

from __future__ import annotations

import numpy as np

from ..dataset import Dataset
from ..i18n import _


def _positive_below(value, name: str, n: int) -> None:
    if not 0 < value < n:
        raise ValueError(_("{name} must be higher than 0 and lower than the length of "
                           "the data ({n}); got {name}={value}.").format(
                               name=name, n=n, value=value))


def timeseries_dataset_from_array(data, targets, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None, **kwargs) -> Dataset:
    """A ``Dataset`` of ``(windows, targets)`` batches (windows only with ``targets=None``);
    see the module docstring for which rows each window holds."""
    data = np.asarray(data)
    n = len(data)
    if start_index and not 0 <= start_index < n:
        raise ValueError(_("start_index must be in [0, {n}) for data of length {n}, got "
                           "{start_index}.").format(n=n, start_index=start_index))
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(_("end_index ({end_index}) must be higher than start_index "
                               "({start_index}).").format(
                                   end_index=end_index, start_index=start_index))
        if not 0 < end_index < n:
            raise ValueError(_("end_index must be in (0, {n}) for data of length {n}, "
                               "got {end_index}.").format(n=n, end_index=end_index))
    _positive_below(sampling_rate, "sampling_rate", n)
    _positive_below(sequence_stride, "sequence_stride", n)
    start = start_index or 0
    end = end_index or n
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    series = data[start:end]
    offsets = np.arange(sequence_length) * sampling_rate
    if targets is None:
        ds = Dataset.from_tensor_slices(starts).map(lambda s: series[s + offsets])
    else:
        labels = targets[start:end]
        ds = Dataset.from_tensor_slices(starts).map(lambda s: (series[s + offsets], labels[s]))
    if batch_size is not None:
        if shuffle:
            ds = ds.shuffle(8 * batch_size, seed=seed)
        return ds.batch(batch_size)
    return ds.shuffle(1024, seed=seed) if shuffle else ds
