"""``UpSampling2D``: enlarge images by repeating pixels (nearest neighbour)."""

from __future__ import annotations

from ..i18n import N_, _
from ._spatial import as_pair, check_data_format, check_image_shape
from .base import Layer


class UpSampling2D(Layer):
    """Repeat each row ``sh`` times and each column ``sw`` times:
    ``y[n, i, j, c] = x[n, i // sh, j // sw, c]``; ``(batch, H, W, C)`` ->
    ``(batch, sh·H, sw·W, C)``.

    Backward: each input pixel was copied into an ``sh x sw`` block, so it receives the
    block's summed gradient, ``dx[n, i, j, c] = Σ_{p < sh, q < sw} dy[n, i·sh + p, j·sw + q, c]``.
    Example: ``[[1, 2]]`` with ``size=2`` gives ``[[1, 1, 2, 2], [1, 1, 2, 2]]``.
    Only ``interpolation="nearest"`` (Keras's default) is implemented.
    """

    formula = "y[i, j] = x[i // sh, j // sw]"
    backward_formula = N_("dx = sum of dy over each sh x sw block")

    def __init__(self, size=(2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs) -> None:
        super().__init__(**kwargs)
        kind = f"UpSampling2D {self.name!r}"
        self.size = as_pair(size, "size", kind)
        self.data_format = check_data_format(data_format, kind)
        if interpolation != "nearest":
            raise NotImplementedError(
                _("{kind}: interpolation={interpolation!r} is not implemented; use "
                  "interpolation='nearest' (Keras's default).").format(
                      kind=kind, interpolation=interpolation)
            )
        self.interpolation = interpolation

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, "UpSampling2D")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        H, W, C = input_shape
        return (H * self.size[0], W * self.size[1], C)

    def forward(self, x, training=False):
        sh, sw = self.size
        return x.repeat(sh, axis=1).repeat(sw, axis=2)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        (sh, sw), (H, W, C) = self.size, self.input_shape
        return dy.reshape(len(dy), H, sh, W, sw, C).sum(axis=(2, 4))

    def get_config(self):
        return {**super().get_config(), "size": list(self.size),
                "interpolation": self.interpolation}
