"""``Hashing``: values into ``num_bins`` bins by a hash, as Keras's layer does
(``keras/src/layers/preprocessing/hashing.py``).

``bin = Fingerprint64(str(value)) mod num_bins`` with FarmHash's 64-bit fingerprint
(``glassnet.farmhash``, TensorFlow's ``tf.strings.to_hash_bucket_fast``): strings as their
UTF-8 bytes, integers as their decimal text (floats are cut to integers first, as Keras
does). So glassnet and Keras put the same value into the same bin. With ``mask_value``, the
mask goes to bin 0 and the other values to ``1 + Fingerprint64 mod (num_bins - 1)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data import as_text
from ..farmhash import fingerprint64
from ..i18n import _
from .data_layer import DataLayer, check_mode, encode, encoded_shape


class Hashing(DataLayer):
    """Any values -> bin indices in ``[0, num_bins)`` (``output_mode="int"``), or one-hot,
    multi-hot or count vectors of ``num_bins``. Example: ``Hashing(num_bins=3)`` puts
    ``"A"``, ``"B"``, ``"C"`` in the bins Keras does."""

    accepts_text = True

    def __init__(self, num_bins: int, mask_value=None, salt=None, output_mode: str = "int",
                 sparse: bool = False, **kwargs) -> None:
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if num_bins is None or int(num_bins) <= 0:
            raise ValueError(_("Hashing: num_bins must be a positive integer, got "
                               "{num_bins!r}.").format(num_bins=num_bins))
        if salt is not None:
            raise NotImplementedError(_("Hashing: salt (Keras's SipHash) is not supported "
                                        "by glassnet; leave it out to use FarmHash64, as "
                                        "Keras does without a salt."))
        if sparse:
            raise NotImplementedError(_("Hashing: sparse=True is not supported by glassnet "
                                        "(outputs are dense NumPy arrays)."))
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = None
        self.sparse = False
        self.output_mode = check_mode("Hashing", output_mode)

    def bins(self, x: np.ndarray) -> np.ndarray:
        n = self.num_bins - 1 if self.mask_value is not None and self.num_bins > 1 \
            else self.num_bins
        shift = 1 if n != self.num_bins else 0
        flat = x.reshape(-1).tolist()
        text = x.dtype.kind in "USO"
        out = np.empty(len(flat), np.int64)
        for i, v in enumerate(flat):
            if shift and v == self.mask_value:
                out[i] = 0
                continue
            key = as_text(v) if text else str(int(v))
            out[i] = fingerprint64(key) % n + shift
        return out.reshape(x.shape)

    def transform(self, x: np.ndarray) -> np.ndarray:
        if self.output_mode == "one_hot" and x.ndim and x.shape[-1] == 1:
            x = x[..., 0]
        return encode(self.bins(x), self.output_mode, self.num_bins)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if not input_shape:
            return (self.num_bins,)
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_bins": self.num_bins, "salt": None,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": False}
