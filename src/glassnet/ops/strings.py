"""``tf.strings``: element-wise string ops on tensors of text (NumPy string arrays).

    today = tf.timestamp() % (24 * 60 * 60)
    hour = tf.cast(today // 3600 + 8, tf.int32) % tf.constant(24)
    tf.strings.length(tf.strings.format("{}", hour))          # 2 (bytes)
    tf.strings.join([tf.strings.format("{}", hour), "05"], separator=":")   # "10:05"

A string tensor holds NumPy text (``tf.constant("a")`` is a ``str`` array, as everywhere
in glassnet). Lengths count UTF-8 bytes unless ``unit="UTF8_CHAR"``, as in TensorFlow.
Strings have no gradient, so nothing here is recorded on a tape. Splitting a vector of
strings gives pieces of different lengths: a ``tf.RaggedTensor`` (see ``ragged.py``).
"""

from __future__ import annotations

import builtins
import re
from typing import Any

import numpy as np

from ..i18n import _
from ..printing import format_value
from ..tensor import Tensor, to_array


def _text(x: Any) -> np.ndarray:
    """``x`` as a NumPy ``str`` array (bytes decoded as UTF-8)."""
    a = to_array(x) if not isinstance(x, np.ndarray) else x
    if a.dtype.kind == "S" or a.dtype.kind == "O":
        return np.vectorize(lambda v: v.decode("utf-8") if isinstance(v, bytes) else str(v),
                            otypes=[str])(a) if a.size else a.astype(str)
    if a.dtype.kind != "U":
        raise TypeError(_("tf.strings needs string tensors, got dtype {dtype}: convert "
                          "numbers first with tf.strings.as_string or "
                          "tf.strings.format.").format(dtype=a.dtype))
    return a


def _out(a: Any) -> Tensor:
    return Tensor(np.asarray(a, dtype=str) if np.asarray(a).dtype.kind in "UO" else a)


def length(input, unit: str = "BYTE", name=None) -> Tensor:  # noqa: A002 (TF's name)
    """The length of each string: UTF-8 bytes (``unit="BYTE"``) or characters
    (``"UTF8_CHAR"``), int32."""
    a = _text(input)
    if unit == "BYTE":
        return Tensor(np.vectorize(lambda s: len(s.encode("utf-8")), otypes=[np.int32])(a)
                      if a.size else np.zeros(a.shape, np.int32))
    if unit == "UTF8_CHAR":
        return Tensor(np.strings.str_len(a).astype(np.int32))
    raise ValueError(_("tf.strings.length: unit must be 'BYTE' or 'UTF8_CHAR', got "
                       "{unit!r}.").format(unit=unit))


def format(template: str, inputs, placeholder: str = "{}", summarize: int = 3,  # noqa: A001
           name=None) -> Tensor:
    """A scalar string: ``template`` with each ``placeholder`` replaced by one of
    ``inputs`` (a tensor or a list), each written as ``tf.print`` writes it."""
    values = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    pieces = str(template).split(placeholder)
    if len(pieces) - 1 != len(values):
        raise ValueError(_("tf.strings.format: the template {template!r} has {n} "
                           "placeholder(s) {placeholder!r} but {m} input(s) were "
                           "given.").format(template=template, n=len(pieces) - 1,
                                            placeholder=placeholder, m=len(values)))
    out = pieces[0]
    for value, piece in zip(values, pieces[1:]):
        text = format_value(value, summarize)
        if isinstance(value, Tensor) and value.dtype.kind in "SU" and value.ndim == 0:
            text = f'"{text}"'  # TensorFlow quotes string tensors
        out += text + piece
    return Tensor(np.asarray(out))


def join(inputs, separator: str = "", name=None) -> Tensor:
    """Element-wise concatenation of the strings of ``inputs`` (broadcast), with
    ``separator`` between them."""
    arrays = [_text(x) for x in inputs]
    if not arrays:
        return Tensor(np.asarray(""))
    out = arrays[0]
    for a in arrays[1:]:
        out = np.strings.add(np.strings.add(out, separator), a)
    return _out(out)


def reduce_join(inputs, axis=None, keepdims: bool = False, separator: str = "",
                name=None) -> Tensor:
    """The strings along ``axis`` joined into one (all of them when ``axis`` is None)."""
    a = _text(inputs)
    if axis is None:
        return Tensor(np.asarray(separator.join(a.reshape(-1).tolist())))
    moved = np.moveaxis(a, axis, -1)
    joined = np.asarray([separator.join(row) for row in moved.reshape(-1, moved.shape[-1])
                         .tolist()], dtype=str).reshape(moved.shape[:-1])
    return _out(np.expand_dims(joined, axis) if keepdims else joined)


def split(input, sep: str | None = None, maxsplit: int = -1, name=None):  # noqa: A002
    """The pieces of a string (a 1-D tensor), or of each string of a vector (a
    ``RaggedTensor``, one row per string). ``sep=None`` splits on runs of whitespace."""
    a = _text(input)
    cut = (lambda s: s.split(sep, maxsplit)) if sep is not None else (
        lambda s: s.split(None, maxsplit))
    if a.ndim == 0:
        return _out(np.asarray(cut(str(a)), dtype=str))
    from .ragged import RaggedTensor

    if a.ndim != 1:
        raise NotImplementedError(_("tf.strings.split of a tensor of rank {n}: glassnet "
                                    "splits a string or a vector of strings.").format(n=a.ndim))
    return RaggedTensor.from_row_lists([np.asarray(cut(s), dtype=str) for s in a.tolist()])


def to_number(string_tensor, out_type=np.float32, name=None) -> Tensor:
    """Each string parsed as a number of ``out_type`` (float32 by default)."""
    dtype = np.dtype(out_type)
    if hasattr(string_tensor, "flat_values"):  # a RaggedTensor of strings
        return string_tensor.with_flat_values(to_number(string_tensor.flat_values, dtype))
    a = _text(string_tensor)
    try:
        values = np.asarray([float(s) if dtype.kind == "f" else int(s, 10)
                             for s in a.reshape(-1).tolist()], dtype=dtype)
    except ValueError as e:
        raise ValueError(_("tf.strings.to_number could not read a number: {error}").format(
            error=e)) from None
    return Tensor(values.reshape(a.shape))


def as_string(input, precision: int = -1, scientific: bool = False,  # noqa: A002
              shortest: bool = False, width: int = -1, fill: str = "", name=None) -> Tensor:
    """Each number as text (``precision``: digits after the point for floats)."""
    a = to_array(input)
    if a.dtype.kind in "SUO":
        return _out(_text(a))
    if a.dtype.kind == "f":
        spec = f".{precision}{'e' if scientific else 'f'}" if precision >= 0 else (
            "e" if scientific else "f")
        if precision < 0 and not scientific:  # TensorFlow's default: 6 digits
            spec = ".6f"
    elif a.dtype.kind == "b":
        return _out(np.where(a, "true", "false"))
    else:
        spec = "d"
    if width > 0:
        spec = f"{fill or ' '}>{width}{spec}" if fill != "0" else f"0{width}{spec}"
    text = [builtins.format(v, spec) for v in a.reshape(-1).tolist()]
    return _out(np.asarray(text, dtype=str).reshape(a.shape))


def lower(input, encoding: str = "", name=None) -> Tensor:  # noqa: A002
    return _out(np.strings.lower(_text(input)))


def upper(input, encoding: str = "", name=None) -> Tensor:  # noqa: A002
    return _out(np.strings.upper(_text(input)))


def strip(input, name=None) -> Tensor:  # noqa: A002
    """Leading and trailing whitespace removed."""
    return _out(np.strings.strip(_text(input)))


def regex_replace(input, pattern: str, rewrite: str, replace_global: bool = True,  # noqa: A002
                  name=None) -> Tensor:
    """``re.sub(pattern, rewrite, s)`` on each string (``\\1`` groups as in TensorFlow's RE2)."""
    rx = re.compile(pattern)
    a = _text(input)
    count = 0 if replace_global else 1
    out = [rx.sub(rewrite, s, count=count) for s in a.reshape(-1).tolist()]
    return _out(np.asarray(out, dtype=str).reshape(a.shape))


def regex_full_match(input, pattern: str, name=None) -> Tensor:  # noqa: A002
    rx = re.compile(pattern)
    a = _text(input)
    return Tensor(np.asarray([rx.fullmatch(s) is not None for s in a.reshape(-1).tolist()],
                             dtype=bool).reshape(a.shape))


def substr(input, pos: int, len: int, unit: str = "BYTE", name=None) -> Tensor:  # noqa: A002
    """``s[pos:pos + len]`` of each string (bytes, or characters with ``"UTF8_CHAR"``)."""
    a = _text(input)
    start, n = int(np.asarray(to_array(pos))), int(np.asarray(to_array(len)))

    def cut(s: str) -> str:
        if unit == "BYTE":
            b = s.encode("utf-8")
            return b[start:start + n].decode("utf-8", errors="ignore")
        return s[start:start + n]

    return _out(np.asarray([cut(s) for s in a.reshape(-1).tolist()], dtype=str).reshape(a.shape))


def bytes_split(input, name=None) -> Tensor:  # noqa: A002
    """The bytes of a string, each as a one-byte string."""
    a = _text(input)
    if a.ndim != 0:
        raise NotImplementedError(_("tf.strings.bytes_split of a tensor of strings: glassnet "
                                    "splits one string."))
    return Tensor(np.asarray([bytes([b]) for b in str(a).encode("utf-8")], dtype=object))


def unicode_split(input, input_encoding: str = "UTF-8", errors="replace",  # noqa: A002
                  replacement_char=65533, name=None) -> Tensor:
    """The characters of a string."""
    a = _text(input)
    if a.ndim != 0:
        from .ragged import RaggedTensor

        return RaggedTensor.from_row_lists([np.asarray(list(s), dtype=str)
                                            for s in a.reshape(-1).tolist()])
    return _out(np.asarray(list(str(a)), dtype=str))


def unicode_decode(input, input_encoding: str = "UTF-8", errors="replace",  # noqa: A002
                   replacement_char=65533, replace_control_characters=False, name=None):
    """The Unicode code points of a string (int32)."""
    a = _text(input)
    if a.ndim != 0:
        from .ragged import RaggedTensor

        return RaggedTensor.from_row_lists([np.asarray([ord(c) for c in s], np.int32)
                                            for s in a.reshape(-1).tolist()])
    return Tensor(np.asarray([ord(c) for c in str(a)], np.int32))


def unicode_encode(input, output_encoding: str = "UTF-8", errors="replace",  # noqa: A002
                   replacement_char=65533, name=None) -> Tensor:
    """Code points (a vector) back to a string."""
    codes = np.asarray(to_array(input)).reshape(-1)
    return Tensor(np.asarray("".join(chr(int(c)) for c in codes)))
