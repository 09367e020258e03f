"""``SpatialDropout1D``/``2D``: Dropout that silences whole channels (feature maps).

Neighbouring time steps or pixels of one channel are strongly correlated, so dropping
single values regularises little; these layers drop a channel everywhere at once.
"""

from __future__ import annotations

from ..errors import InputError
from ..i18n import _
from ._spatial import check_data_format
from .dropout import Dropout


class SpatialDropout1D(Dropout):
    """Dropout on ``(batch, T, C)`` with one mask value per (sample, channel):
    ``m`` of shape ``(batch, 1, C)``, ``y = x · m / (1 - rate)``, ``dx = dy · m / (1 - rate)``."""

    rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs) -> None:
        data_format = kwargs.pop("data_format", None)
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = check_data_format(data_format, f"{type(self).__name__} "
                                                          f"{self.name!r}")

    def build(self, input_shape):
        if len(input_shape) != self.rank + 1:
            raise InputError(_("{cls} layer {name!r} takes inputs of shape {expected}, got "
                               "{shape}.").format(
                cls=type(self).__name__, name=self.name, shape=(None, *input_shape),
                expected="(batch, steps, channels)" if self.rank == 1
                else "(batch, height, width, channels)"))
        super().build(input_shape)

    def mask_shape(self, shape):
        return (shape[0], *[1] * self.rank, shape[-1])

    def get_config(self):
        """Keras's keys: no ``noise_shape``, and no ``trainable`` (Keras's SpatialDropout
        refuses it when loading a file; the layer has no weights anyway)."""
        config = super().get_config()
        config.pop("noise_shape", None)
        config.pop("trainable", None)
        return config


class SpatialDropout2D(SpatialDropout1D):
    """Dropout on images ``(batch, H, W, C)``: ``m`` of shape ``(batch, 1, 1, C)``."""

    handles_variable_length = False
    rank = 2

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(rate, seed=seed, data_format=data_format, **kwargs)
