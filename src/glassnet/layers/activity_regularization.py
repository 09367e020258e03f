"""``ActivityRegularization``: ``y = x``, with a penalty on ``x`` added to the loss."""

from __future__ import annotations

from ..regularizers import L1L2
from .base import Layer


class ActivityRegularization(Layer):
    """``y = x``, and the loss that training minimises gains ``R(x) / batch`` with
    ``R(x) = l1 Σ |x| + l2 Σ x²`` (as a ``Dense`` layer's ``activity_regularizer``).

    Backward: ``dx = dy + (l1 sign(x) + 2 l2 x) / batch``.
    """

    handles_variable_length = True  # any number of time steps (see Layer)
    supports_masking = True

    formula = "y = x;  loss += (l1·Σ|x| + l2·Σx²) / batch"
    backward_formula = "dx = dy + (l1·sign(x) + 2·l2·x) / batch"

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.activity_regularizer = L1L2(l1, l2)  # the model adds ``losses`` to the loss
        self.l1, self.l2 = self.activity_regularizer.l1, self.activity_regularizer.l2
        self.x = None

    def forward(self, x, training=False):
        self.x = x
        return x

    @property
    def own_losses(self) -> list[float]:
        """``[R(x) / batch]`` for the input of the last forward pass."""
        if self.x is None:
            return []
        return [float(self.activity_regularizer(self.x)) / len(self.x)]

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy + self.activity_regularizer.gradient(self.x).astype(dy.dtype) / len(dy)

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
