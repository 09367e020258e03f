"""``tf.print``: values printed as TensorFlow prints them, to standard error by default.

    tf.print("loss:", tf.constant([1, 2]))      # loss: [1 2]      (on sys.stderr)

A tensor or array is printed without commas (``[[1 2]\n [3 4]]``), floats in their shortest
form (``[0.5 2]``), and each axis longer than ``2 * summarize`` (3) shown as its first and
last ``summarize`` entries around ``...``; ``summarize=-1`` prints everything.
"""

from __future__ import annotations

import sys

import numpy as np


def _float(v) -> str:
    return np.format_float_positional(v, trim="-") if abs(v) < 1e16 or not np.isfinite(v) \
        else np.format_float_scientific(v, trim="-")


def format_value(value, summarize: int = 3) -> str:
    """One value as ``tf.print`` writes it."""
    if isinstance(value, str):
        return value
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v, summarize) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{format_value(k, summarize)}: {format_value(v, summarize)}"
                               for k, v in value.items()) + "}"
    if not isinstance(value, (np.ndarray, np.generic)):
        return str(value)
    array = np.asarray(value)
    if array.dtype.kind in "SU":
        array = array.astype(str)
    if array.ndim == 0:
        item = array.item()
        if array.dtype.kind == "b":
            return str(int(item))
        return _float(array) if array.dtype.kind == "f" else str(item)
    everything = summarize is None or summarize < 0
    return np.array2string(
        array, separator=" ", threshold=sys.maxsize if everything else 0,
        edgeitems=max(int(summarize or 0), 1), max_line_width=sys.maxsize,
        formatter={"float_kind": _float, "bool": lambda b: str(int(b))})


def tf_print(*inputs, output_stream=None, summarize: int = 3, sep: str = " ",
             end: str = "\n", name: str | None = None) -> None:
    """Print ``inputs`` joined by ``sep``, then ``end``, to ``output_stream``:
    ``sys.stderr`` (the default, as TensorFlow), ``sys.stdout``, any object with ``write``,
    or ``"file:///path"`` (appended to)."""
    text = sep.join(format_value(v, summarize) for v in inputs) + end
    stream = sys.stderr if output_stream is None else output_stream
    if isinstance(stream, str):
        path = stream[len("file://"):] if stream.startswith("file://") else stream
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
        return
    stream.write(text)
    if hasattr(stream, "flush"):
        stream.flush()
