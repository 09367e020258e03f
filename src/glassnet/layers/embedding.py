"""``Embedding``: integer indices (words, categories) to learned vectors, a table lookup."""

from __future__ import annotations

import warnings

import numpy as np

from .. import initializers
from ..errors import InputError
from ..i18n import N_, _
from .base import Layer

# Keras's short initializer names that glassnet.initializers spells out
_INITIALIZER_NAMES = {"uniform": "random_uniform", "normal": "random_normal"}
_warned_input_length = False


class Embedding(Layer):
    """Row ``i`` of a table ``E`` for each index ``i``: ``y[n, t] = E[x[n, t]]``.

    Shapes: ``x (batch, ...)`` of whole numbers in ``[0, input_dim)``, ``E (input_dim,
    output_dim)`` (Keras's weight name: ``embeddings``), ``y (batch, ..., output_dim)``.
    Looking up row ``i`` is the product of the one-hot vector of ``i`` with ``E``, so the
    layer is a ``Dense`` without bias whose inputs are one-hot, computed without the zeros.

    Backward: each row receives the sum of the gradients of the places it was looked up,
    ``dE[i] = Σ_{(n, t): x[n, t] = i} dy[n, t]`` (``np.add.at``, repeats add up). The input
    is a set of indices, not a quantity: its gradient is zero.

    Indices may come as integers or as floats holding whole numbers (the model casts
    batches to float32, exact up to 2^24); anything else is an error naming the value.

    Example: ``E = [[0, 0], [1, 2], [3, 4]]`` and ``x = [[2, 1, 2]]`` give
    ``y = [[[3, 4], [1, 2], [3, 4]]]``; with ``dy`` all ones, ``dE = [[0, 0], [1, 1], [2, 2]]``.

    Sequences of any length: ``Input(shape=(None,))`` (one length per batch). With
    ``mask_zero=True`` index 0 is padding: ``output_mask = (x != 0)``, shape ``(batch, T)``,
    tells the layers after it (an RNN, ``GlobalAveragePooling1D``) which steps to skip, as in
    Keras; the padding's row of ``E`` is still looked up (and learned) like any other.
    """

    handles_variable_length = True  # token ids (batch, T) with T unknown

    formula = N_("y = E[x]  (row x of the embedding table)")
    backward_formula = N_("dE[i] = Σ of dy where x = i")

    def __init__(self, input_dim: int, output_dim: int,
                 embeddings_initializer: str = "uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero: bool = False, weights=None,
                 **kwargs) -> None:
        global _warned_input_length
        input_length = kwargs.pop("input_length", None)
        if input_length is not None:
            if kwargs.get("input_shape") is None and kwargs.get("input_dim") is None:
                kwargs["input_shape"] = (input_length,)  # what Keras 2 did with it
            if not _warned_input_length:
                _warned_input_length = True
                warnings.warn(_("Embedding(input_length={input_length!r}) is Keras 2's; "
                                "Keras 3 removed it. Declare the input instead: "
                                "Input(shape=({input_length},)) as the model's first "
                                "entry.").format(input_length=input_length),
                              DeprecationWarning, stacklevel=2)
        super().__init__(**kwargs)
        for what, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(_("Embedding {what} must be a positive integer, got "
                                   "{value!r}.").format(what=what, value=value))
        if embeddings_regularizer is not None or embeddings_constraint is not None:
            raise NotImplementedError(_("Embedding: embeddings_regularizer and "
                                        "embeddings_constraint are not supported yet."))
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = embeddings_initializer
        self.mask_zero = bool(mask_zero)
        self.output_mask: np.ndarray | None = None  # (batch, T) bool, with mask_zero
        self._initial_weights = weights

    def build(self, input_shape):
        name = self.embeddings_initializer
        if isinstance(name, str):
            name = _INITIALIZER_NAMES.get(name.lower(), name)
        self.add_weight("embeddings", (self.input_dim, self.output_dim), name)
        if self._initial_weights is not None:  # Keras: Embedding(..., weights=[matrix])
            self.set_weights(list(self._initial_weights))
            self._initial_weights = None
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def check_variable_length(self, shapes):
        """Token ids may have any length, on every axis."""

    def compute_mask(self, inputs, mask=None) -> np.ndarray | None:
        """Keras's ``compute_mask``: ``inputs != 0`` with ``mask_zero``, else None."""
        return np.asarray(inputs) != 0 if self.mask_zero else None

    def connect_mask(self, inputs):
        """With ``mask_zero``, this layer's ``output_mask`` masks its output."""
        return self if self.mask_zero else None

    def _indices(self, x: np.ndarray) -> np.ndarray:
        """``x`` as integer indices, checked to be whole numbers in ``[0, input_dim)``."""
        if x.dtype.kind in "iu":
            idx = x.astype(np.intp, copy=False)
        else:
            idx = x.astype(np.intp)
            wrong = idx != x
            if wrong.any():
                value = float(x[wrong].flat[0])
                raise InputError(
                    _("Embedding layer {name!r} takes integer indices (token or category "
                      "numbers), but received the value {value:g}, which is not a whole "
                      "number. Pass integer ids such as the output of a tokenizer, not "
                      "scaled or one-hot features.").format(name=self.name, value=value)
                )
        if idx.size and (idx.min() < 0 or idx.max() >= self.input_dim):
            bad = int(idx.max()) if idx.max() >= self.input_dim else int(idx.min())
            raise InputError(
                _("Embedding layer {name!r} received the index {bad}, which is outside "
                  "the valid range [0, {input_dim}) of its input_dim={input_dim} rows. "
                  "Use input_dim={max} or more (the vocabulary size), or map unknown "
                  "tokens to an index below {input_dim}.").format(
                      name=self.name, bad=bad, input_dim=self.input_dim,
                      max=max(int(idx.max()) + 1, self.input_dim))
            )
        return idx

    def forward(self, x, training=False):
        self.x_shape = x.shape
        self.idx = self._indices(np.asarray(x))
        if self.mask_zero:
            self.output_mask = self.idx != 0
        return self.params["embeddings"][self.idx]

    def backward(self, dy):
        dE = self.grads["embeddings"]
        dE[...] = 0
        np.add.at(dE, self.idx.reshape(-1), dy.reshape(-1, self.output_dim))
        if not self.need_input_grad:
            return None
        return np.zeros(self.x_shape, dy.dtype)  # indices are not differentiable

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "mask_zero": self.mask_zero}
