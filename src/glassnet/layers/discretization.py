"""``Discretization``: numbers into bins by boundaries, given or learnt from quantiles, as
Keras's layer does (``keras/src/layers/preprocessing/discretization.py``).

``bin(x) = #{b in boundaries : b <= x}`` (``np.digitize``): boundaries ``[0, 1]`` put
``-1 -> 0``, ``0.5 -> 1``, ``1 -> 2``, ``2 -> 2``. ``adapt(data)`` with ``num_bins`` finds
``num_bins - 1`` boundaries at the quantiles ``1/num_bins, 2/num_bins, ...`` of the data with
Keras's summary algorithm: the sorted values thinned to about ``1/epsilon`` points, each with
its weight, merged batch by batch, and the boundaries read off the cumulative weights by
linear interpolation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..i18n import _
from .data_layer import DataLayer, check_mode, encode, encoded_shape


class Discretization(DataLayer):
    """Numbers -> bin indices (int64, ``output_mode="int"``) or one-hot, multi-hot or count
    vectors of ``len(bin_boundaries) + 1`` bins."""

    def __init__(self, bin_boundaries=None, num_bins: int | None = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False,
                 **kwargs) -> None:
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(_("Discretization: give bin_boundaries or num_bins, not both "
                               "(got {b} and {n}).").format(b=bin_boundaries, n=num_bins))
        if num_bins is None and bin_boundaries is None:
            raise ValueError(_("Discretization: give bin_boundaries (e.g. [0., 1.]) or "
                               "num_bins (and call adapt)."))
        if num_bins is not None and num_bins < 0:
            raise ValueError(_("Discretization: num_bins must be 0 or more, got "
                               "{n}.").format(n=num_bins))
        if sparse:
            raise NotImplementedError(_("Discretization: sparse=True is not supported by "
                                        "glassnet (outputs are dense NumPy arrays)."))
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in
                                                                  bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = check_mode("Discretization", output_mode)
        self.sparse = False

    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Boundaries at the ``num_bins`` quantiles of ``data`` (see the module docstring)."""
        if self.num_bins is None:
            raise ValueError(_("Discretization layer {name!r} was given bin_boundaries; "
                               "create it with num_bins=... to adapt.").format(name=self.name))
        summary = np.zeros((2, 0), np.float32)
        for i, batch in enumerate(self.batches(data)):
            if steps is not None and i >= steps:
                break
            # Keras's order: the new batch's summary, then the running one
            merged = np.concatenate([_summarize(batch.astype(np.float32), self.epsilon),
                                     summary], axis=1)
            summary = _compress(merged[:, np.argsort(merged[0])], self.epsilon)
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def depth(self) -> int:
        return (len(self.bin_boundaries) + 1 if self.bin_boundaries is not None
                else self.num_bins)

    def transform(self, x: np.ndarray) -> np.ndarray:
        if self.bin_boundaries is None:
            raise ValueError(_("Discretization layer {name!r}: call adapt(data) first, or "
                               "pass bin_boundaries.").format(name=self.name))
        idx = np.digitize(x.astype(np.float32), np.asarray(self.bin_boundaries, np.float32))
        return encode(idx, self.output_mode, self.depth())

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.depth())

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("trainable")  # Keras's Discretization takes no trainable= (nothing to train)
        return {**config, "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": False}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Discretization:
        """An adapted layer's config has both boundaries and num_bins, as in Keras."""
        config = dict(config)
        boundaries = config.pop("bin_boundaries", None)
        if config.get("num_bins") is None:
            return cls(bin_boundaries=boundaries, **config)
        layer = cls(**config)
        layer.bin_boundaries = boundaries
        return layer


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """The sorted values thinned to about ``1/epsilon`` points: ``[[values], [weights]]``."""
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.full_like(kept, step)])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """At most ``1/epsilon`` points: the values where the cumulative weight reaches
    ``epsilon, 2·epsilon, ..., 1`` (linear interpolation), with the weight between them."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    share = cum / cum[-1]
    bins = np.interp(percents, share, summary[0])
    cum = np.interp(percents, share, cum)
    weights = cum - np.concatenate(([0.0], cum[:-1]))
    return np.stack((bins, weights)).astype(np.float32)
