"""Read the pickles inside Keras's dataset files without ever running code from them.

Two of Keras's formats hold Python pickles:

* CIFAR-10/100's batches (``data_batch_1`` ...) are pickled dicts (Python 2,
  protocol 2) holding a uint8 array and lists of labels and file names;
* IMDB's and Reuters's ``.npz`` members are object arrays of lists (reviews of
  different lengths), which ``np.save`` can only store as a pickle.

A pickle is a small program: a hostile file can call any function it names
(``os.system`` ...) while it is read, and ``pickle.load`` or
``np.load(allow_pickle=True)`` would run it. Here, the unpickler looks up named
functions and classes only in a list of three: ``numpy.ndarray``, ``numpy.dtype`` and
NumPy's ``_reconstruct`` (what rebuilding an array needs, under its NumPy 1 and 2 module
names). Dicts, lists, bytes, str and ints are built by the pickle's own opcodes, with no
lookup. Any other name raises :class:`~glassnet.errors.DataFileError` before it is
called. Keras 3 reads these files the same way (``keras/src/datasets/npz_utils.py``).
"""

from __future__ import annotations

import io
import os
import pickle
from typing import BinaryIO

import numpy as np

from ..errors import DataFileError

# The function that ``ndarray.__reduce__`` names: NumPy's own, whatever its module is called.
_RECONSTRUCT = np.empty(0).__reduce__()[0]
ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,  # NumPy 1 (and Keras's files)
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,  # NumPy 2
}


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that can only rebuild NumPy arrays, dicts, lists and scalars."""

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED[module, name]
        except KeyError:
            raise DataFileError(f"Refusing to load {module}.{name} from a dataset file: only "
                                "NumPy arrays are allowed there, so the file is corrupted or "
                                "malicious. Delete it and download it again.") from None

    def persistent_load(self, pid):
        raise DataFileError("Refusing a persistent reference in a dataset file's pickle.")


def load_pickle(file: BinaryIO, encoding: str = "bytes"):
    """``pickle.load`` restricted to NumPy arrays (``encoding="bytes"`` for Python 2 files)."""
    try:
        return RestrictedUnpickler(file, encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        if isinstance(e, DataFileError):
            raise
        raise DataFileError(f"The dataset file's pickle is truncated or corrupted ({e}). "
                            "Delete it and download it again.") from e


def read_npy(file: BinaryIO) -> np.ndarray:
    """One ``.npy`` member: numbers with pickles off; object arrays via ``load_pickle``."""
    version = np.lib.format.read_magic(file)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(file)
    elif version in ((2, 0), (3, 0)):  # 3.0 differs from 2.0 only in the header's encoding
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(file)
    else:
        raise DataFileError(f"Unsupported .npy format version {version}.")
    if not dtype.hasobject:
        file.seek(0)
        return np.lib.format.read_array(file, allow_pickle=False)
    array = load_pickle(file, encoding="ASCII")  # np.load's default
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise DataFileError(f"A .npy member's pickle holds {type(array).__name__}, not the "
                            f"array of shape {shape} its header announces.")
    return array


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, as ``np.load(path, allow_pickle=True)`` would
    return them, but with object arrays read by :class:`RestrictedUnpickler`."""
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
        raise DataFileError(f"{path} is not a valid .npz file ({e}). Delete it and download "
                            "it again.") from e
    return arrays
