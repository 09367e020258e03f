"""Read the pickles inside Keras's dataset files without ever running code from them.

Two of Keras's formats hold Python pickles:

* CIFAR-10/100's batches (``data_batch_1`` ...) are pickled dicts (Python 2,
  protocol 2) holding a uint8 array and lists of labels and file names;
* IMDB's and Reuters's ``.npz`` members are object arrays of lists (reviews of
  different lengths), which ``np.save`` can only store as a pickle.

A pickle is a small program: a hostile file can call any function it names
(``os.system`` ...) while it is read, and ``pickle.load`` or
``np.load(allow_pickle=True)`` would run it. Keras 3 guards with an unpickler that
allows three names, ``numpy.ndarray``, ``numpy.dtype`` and NumPy's ``_reconstruct``,
but hands NumPy whatever arguments the file gives them, and
``numpy.ndarray((2,), "O", buffer=b"AAAAAAAAAAAAAAAA")`` is an object array whose
"objects" are pointers the file chose: memory corruption, a step from running code.

Here the unpickler hands out none of NumPy's callables. The three names map to
stand-ins that only record what the pickle asks for:

* ``_reconstruct(ndarray, (0,), b"b")`` (exactly these arguments, which is how every
  NumPy array pickles itself) gives an :class:`_ArraySpec`;
* ``dtype("u1", False, True)`` gives a :class:`_DtypeSpec` for a plain number or
  object type (no structured or sub-array types, no byte-size overrides);
* ``ndarray`` itself cannot be called.

Each array's state (shape, dtype, Fortran order, data) is then checked and the array
built by this module: numbers with ``np.frombuffer`` from exactly
``size * itemsize`` bytes, objects from a list of exactly ``size`` items. Dicts,
lists, bytes, str and ints come from the pickle's own opcodes, with no lookup. Any
other name raises :class:`~glassnet.errors.DataFileError` before anything is called.
"""

from __future__ import annotations

import functools
import io
import math
import os
import pickle
import re
from typing import BinaryIO

import numpy as np

from ..errors import DataFileError
from ..i18n import _

_PLAIN_DTYPE = re.compile(r"[biu][1248]|f[248]|c(8|16)|O[48]")  # numbers, bools, objects


def _refuse(what: str) -> DataFileError:
    return DataFileError(_("Refusing {what} in a dataset file: only plain NumPy arrays, lists "
                           "and numbers are allowed there, so the file is corrupted or "
                           "malicious. Delete it and download it again.").format(what=what))


def _text(value) -> str:
    """Python 2 pickles read with ``encoding="bytes"`` give their strings as bytes."""
    return value.decode("latin1") if isinstance(value, bytes) else value


class _DtypeSpec:
    """``numpy.dtype(spec, align, copy)`` as a pickle asks for it, not yet built."""

    def __init__(self, unpickler: RestrictedUnpickler, spec, align=False, copy=False):
        unpickler.made += 1
        spec = _text(spec)
        if not isinstance(spec, str) or not _PLAIN_DTYPE.fullmatch(spec):
            raise _refuse(_("the NumPy type {spec!r}").format(spec=spec))
        self.spec, self.byteorder = spec, "|"

    def __setstate__(self, state):
        # (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
        if not (isinstance(state, tuple) and len(state) >= 8 and
                _text(state[1]) in ("<", ">", "|", "=") and state[2:5] == (None, None, None)):
            raise _refuse(_("a structured or unusual NumPy type"))
        self.byteorder = _text(state[1])

    def build(self) -> np.dtype:
        dtype = np.dtype(self.spec)
        return dtype.newbyteorder(self.byteorder) if self.byteorder in "<>" else dtype


class _ArraySpec:
    """``_reconstruct(ndarray, (0,), b"b")`` then ``__setstate__``: an array, checked."""

    def __init__(self, unpickler: RestrictedUnpickler, subtype, shape, typecode):
        unpickler.made += 1
        if subtype is not _NdarrayName or tuple(shape) != (0,) or _text(typecode) != "b":
            raise _refuse(_("an array built from unusual arguments"))
        self.unpickler, self.array = unpickler, None

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 4:  # pickles older than NumPy 1.0's
            state = (1, *state)
        if not (isinstance(state, tuple) and len(state) == 5):
            raise _refuse(_("an array state that is not (version, shape, dtype, order, "
                            "data)"))
        _version, shape, dtype, fortran, data = state
        if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)
                and isinstance(dtype, _DtypeSpec)):
            raise _refuse(_("an array of shape {shape!r}").format(shape=shape))
        dtype, size = dtype.build(), math.prod(shape)
        if dtype.hasobject:
            if not (isinstance(data, list) and len(data) == size):
                raise _refuse(_("an object array of shape {shape} without {size} items").format(
                                    shape=shape, size=size))
            flat = np.empty(size, dtype=object)
            # If this array and its dtype are the only stand-ins made so far, the items hold
            # none (IMDB: lists of ints), and the millions of ints need no second look.
            nested = self.unpickler.made > 2
            for i, item in enumerate(data):
                flat[i] = resolve(item) if nested else item  # one by one: a list stays one
        else:
            data = data.encode("latin1") if isinstance(data, str) else data
            if not (isinstance(data, bytes) and len(data) == size * dtype.itemsize):
                raise _refuse(_("an array of shape {shape} and type {dtype} whose data "
                                "is not {value} bytes").format(
                                    shape=shape, dtype=dtype, value=size * dtype.itemsize))
            flat = np.frombuffer(bytearray(data), dtype)  # a writable copy
        self.array = flat.reshape(shape, order="F" if fortran else "C")


class _NdarrayName:
    """Stands for ``numpy.ndarray`` as ``_reconstruct``'s argument; calling it is refused."""

    def __new__(cls, *args, **kwargs):
        raise _refuse(_("numpy.ndarray(...) on raw memory"))


ALLOWED = {
    ("numpy", "ndarray"): _NdarrayName,
    ("numpy", "dtype"): _DtypeSpec,
    ("numpy.core.multiarray", "_reconstruct"): _ArraySpec,  # NumPy 1 (and Keras's files)
    ("numpy._core.multiarray", "_reconstruct"): _ArraySpec,  # NumPy 2
}


_ATOMS = {int, float, bool, str, bytes, bytearray, type(None)}


def resolve(obj):
    """Replace the stand-ins in what the unpickler returned by real arrays and dtypes.

    Only atoms (numbers, strings, None), lists, tuples, dicts and stand-ins can be there;
    anything else is refused.
    """
    if isinstance(obj, _ArraySpec):
        if obj.array is None:
            raise _refuse(_("an array without its data"))
        return obj.array
    if isinstance(obj, _DtypeSpec):
        return obj.build()
    if type(obj) is list:  # a list of labels: one C-speed look at its items' types
        return obj if set(map(type, obj)) <= _ATOMS else [resolve(x) for x in obj]
    if type(obj) is tuple:
        return tuple(resolve(x) for x in obj)
    if type(obj) is dict:
        return {resolve(k): resolve(v) for k, v in obj.items()}
    if type(obj) in _ATOMS:
        return obj
    raise _refuse(_("an object of type {kind}").format(kind=type(obj).__name__))


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that knows three names, each mapped to a harmless stand-in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.made = 0  # stand-ins made so far

    def find_class(self, module: str, name: str):
        try:
            kind = ALLOWED[module, name]
        except KeyError:
            raise _refuse(f"{module}.{name}") from None
        return kind if kind is _NdarrayName else functools.partial(kind, self)

    def persistent_load(self, pid):
        raise _refuse(_("a persistent reference"))


def load_pickle(file: BinaryIO, encoding: str = "bytes"):
    """``pickle.load`` restricted to arrays, lists, dicts and numbers, arrays built here.

    ``encoding="bytes"`` reads Python 2's strings as bytes, as CIFAR's batches need.
    """
    try:
        return resolve(RestrictedUnpickler(file, encoding=encoding).load())
    except DataFileError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, RecursionError) as e:
        raise DataFileError(_("The dataset file's pickle is truncated or corrupted "
                              "({e}). Delete it and download it again.").format(e=e)) from e


def read_npy(file: BinaryIO) -> np.ndarray:
    """One ``.npy`` member: numbers with pickles off; object arrays via ``load_pickle``."""
    version = np.lib.format.read_magic(file)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(file)
    elif version in ((2, 0), (3, 0)):  # 3.0 differs from 2.0 only in the header's encoding
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(file)
    else:
        raise DataFileError(_("Unsupported .npy format version {version}.").format(version=version))
    if not dtype.hasobject:
        file.seek(0)
        return np.lib.format.read_array(file, allow_pickle=False)
    array = load_pickle(file, encoding="ASCII")  # np.load's default
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise DataFileError(_("A .npy member's pickle holds {kind}, not the array of "
                              "shape {shape} its header announces.").format(
                                  kind=type(array).__name__, shape=shape))
    return array


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, as ``np.load(path, allow_pickle=True)`` would
    return them, but with object arrays read by :func:`load_pickle`."""
    import zipfile

    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    arrays[member[:-4]] = read_npy(io.BytesIO(archive.read(member)))
    except DataFileError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise DataFileError(_("{path} is not a valid .npz file ({e}). Delete it and "
                              "download it again.").format(path=path, e=e)) from e
    return arrays
