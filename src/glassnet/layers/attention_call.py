"""How the attention layers are called: per-call options (``use_causal_mask``,
``return_attention_scores``, which inputs were given) and the masks of their inputs."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..graph import symbolic
from ..i18n import _
from ..tensor import Tensor, to_array
from .base import Layer


class EagerMask:
    """A mask found on an eager tensor (``x._keras_mask``) or passed as ``mask=``, read as a
    graph's mask is (``output_mask``, True where a position counts; None: no mask)."""

    def __init__(self, mask) -> None:
        self.output_mask = None if mask is None else np.asarray(to_array(mask), bool)


class AttentionCall(Layer):
    """The part of ``MultiHeadAttention`` and ``Attention`` that is about calling them.

    ``options`` says how the layer is called: on a model's graph it is fixed when the layer
    is called on symbolic tensors (the graph then runs ``forward`` on the recorded inputs);
    an eager call sets it for that call only. ``mask_sources`` holds, for each input, the
    object whose ``output_mask`` masks its positions (or None)."""

    handles_variable_length = True  # any number of positions
    supports_masking = True  # the output has the query's mask

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.options = {"key": False, "attention_mask": False, "use_causal_mask": False,
                        "return_attention_scores": False}
        self.mask_sources: list = [None, None, None]

    @property
    def call_kwargs(self) -> dict[str, bool]:
        """How a model file records this layer's call, besides its list of inputs (the
        options that differ from the defaults)."""
        return {k: v for k, v in self.options.items() if v}

    def run_with(self, inputs: list, options: dict, masks: list, training) -> object:
        """``Layer.__call__(inputs)`` with these options: recorded for good on symbolic
        inputs (the graph's masks are wired by ``connect_mask``), for this call only on
        tensors (with ``masks``, one per input position: query, value, key)."""
        if symbolic(inputs):
            if self.inbound_nodes and options != self.options:
                raise NotImplementedError(_(
                    "{cls} layer {name!r} is called twice in a model with different "
                    "arguments ({old} and {new}); glassnet records one way of calling it. "
                    "Use two layers.").format(cls=type(self).__name__, name=self.name,
                                              old=self.options, new=options))
            self.options = options
            out = Layer.__call__(self, inputs, training=training)
            return tuple(out) if isinstance(out, list) else out
        with self._for_one_call(options, masks):
            out = Layer.__call__(self, inputs, training=training)
        y = out[0] if isinstance(out, list) else out
        q_mask = masks[0]
        if q_mask is not None and isinstance(y, Tensor):
            y._keras_mask = q_mask if isinstance(q_mask, Tensor) else Tensor(
                np.asarray(q_mask, bool))
        return tuple(out) if isinstance(out, list) else out

    @contextmanager
    def _for_one_call(self, options: dict, masks: list):
        saved = self.options, self.mask_sources
        self.options = options
        self.mask_sources = [EagerMask(m) for m in masks]
        try:
            yield
        finally:
            self.options, self.mask_sources = saved

    def connect_mask(self, inputs):
        """Read the masks of query, value (and key); the output has the query's mask."""
        key = inputs[2] if self.options["key"] else None
        self.mask_sources = [inputs[0].mask_source, inputs[1].mask_source,
                             key.mask_source if key is not None else None]
        return inputs[0].mask_source

    def input_masks(self) -> list[np.ndarray | None]:
        """The masks of query, value and key for this forward pass, ``(batch, positions)``."""
        return [None if src is None else src.output_mask for src in self.mask_sources]
