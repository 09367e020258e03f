"""``tf.print``: print tensors by their values, as TensorFlow's ``tf.print`` does.

``print(t)`` shows a tensor's wrapper (``tf.Tensor([1 2], shape=(2,), dtype=int32)``);
``tf.print(t)`` shows only the values (``[1 2]``), and long axes are cut to their first
and last ``summarize`` entries (``[0 1 2 ... 7 8 9]``). Like TensorFlow it writes to
standard error unless told otherwise.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .tensor import Tensor


def _format(value: Any, summarize: int) -> str:
    """One input as ``tf.print`` shows it: tensors and arrays by their values, lists,
    tuples and dicts with their tensors shown the same way, anything else as ``str``."""
    if isinstance(value, (Tensor, np.ndarray, np.generic)):
        a = np.asarray(value.array if isinstance(value, Tensor) else value)
        if summarize is None or summarize < 0:
            threshold, edge = sys.maxsize, 3
        else:
            threshold, edge = 2 * summarize, summarize
        if a.dtype.kind == "f":  # TensorFlow shows floats with up to 9 significant digits
            return np.array2string(a, threshold=threshold, edgeitems=edge, separator=" ",
                                   formatter={"float_kind": lambda v: f"{v:.9g}"})
        return np.array2string(a, threshold=threshold, edgeitems=edge, separator=" ")
    if isinstance(value, list):
        return "[" + ", ".join(_format(v, summarize) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_format(v, summarize) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_format(v, summarize)}" for k, v in value.items()) + "}"
    return str(value)


def print(*inputs: Any, output_stream: Any = None, summarize: int = 3, sep: str = " ",
          end: str = "\n", name: str | None = None) -> None:  # noqa: A001  (tf.print)
    """``tf.print(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\\n")``.

    ``output_stream`` is a file object (``sys.stdout``, ``sys.stderr``) or a
    ``"file://path"`` string, whose file is appended to. ``summarize`` entries are kept at
    each end of a long axis; ``summarize=-1`` prints everything.
    """
    text = sep.join(_format(v, summarize) for v in inputs) + end
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        with open(output_stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
        return
    stream = sys.stderr if output_stream is None else output_stream
    stream.write(text)
    if hasattr(stream, "flush"):
        stream.flush()
