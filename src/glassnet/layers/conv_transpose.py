"""``Conv2DTranspose``: the convolution run backwards, to enlarge feature maps (decoders,
GAN generators)."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..i18n import _
from ._parallel import run, split
from ._spatial import check_image_shape, positive_int, window_args, window_slice
from .base import KernelLayer

#: Bytes of stamps (every kernel offset's product for a pixel) a part of a batch makes at a
#: time: a batch of 64 through a GAN generator's 14x14 -> 28x28 layer has 100 MB of them.
#: The parts run on one thread per core (``_parallel.py``).
#: One product of all offsets at once ran about twice as fast as one product per offset
#: (12544x128 @ 128x2048 against 16 of 12544x128 @ 128x128: 0.2 s against 0.45 s).
STAMP_BYTES = 32 * 2**20


def transpose_length(n: int, k: int, s: int, padding: str,
                     output_padding: int | None) -> tuple[int, int]:
    """Output length and crop of a transposed convolution along one axis (Keras 3's rule,
    ``backend_utils._convert_conv_transpose_padding_args_from_keras_to_jax``).

    The full output, before any crop, has ``(n - 1)·s + k`` positions. Keras keeps
    ``out`` of them starting at ``crop`` (positions past the full output are 0):

    * ``valid``: ``out = (n - 1)·s + max(k, s)`` (+ ``output_padding``), ``crop = 0``;
    * ``same``: ``out = n·s``, ``crop = k - 1 - min(⌈(s + k - 2)/2⌉, k - 1)``.

    Example: ``n = 4, k = 3, s = 2``: valid gives 9, same gives 8 with crop 0.
    """
    if padding == "valid":
        extra = max(k, s) - k if output_padding is None else output_padding
        left, right = k - 1, k - 1 + extra
    else:
        total = s + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, k - 1)
        right = total - left
    return (n - 1) * s + left + right - k + 2, k - 1 - left


class Conv2DTranspose(KernelLayer):
    """Transposed 2-D convolution: every input pixel stamps a weighted copy of the kernel
    onto the output, ``s`` pixels apart::

        z_full[n, i·s + p, j·s + q, f] += Σ_c x[n, i, j, c] · W[p, q, f, c]
        z = z_full cropped to the output size (see ``transpose_length``) + b,   a = f(z)

    Shapes: ``x (batch, H, W, C)``, kernel ``W (kh, kw, F, C)`` (Keras's layout: filters
    before input channels), ``b (F,)``; ``valid`` gives ``((H - 1)·s + max(k, s), ...)``,
    ``same`` gives ``(H·s, W·s, F)``.

    Every pixel's stamps come from one matrix product, ``y = x₂ · W_r`` with ``W_r`` the
    kernel as ``(C, kh·kw·F)``, and ``kh·kw`` strided additions place them.

    It is the ``dx`` pass of a ``Conv2D`` whose kernel is ``W`` (``conv.py``'s col2im), and
    its own backward pass is that ``Conv2D``'s forward (im2col), with ``dz_full`` = ``dz``
    placed back where it was cropped and gathered per kernel offset ``(p, q)``::

        dz = da · f'(z);   db = Σ dz
        dy[n, i, j, p, q] = dz_full[n, i·s + p, j·s + q]               (F,)
        dW[p, q] = Σ_{n, i, j} dy[n, i, j, p, q] ⊗ x[n, i, j]   = dy₂ᵀ · x₂   (kh·kw·F, C)
        dx       = Σ_{p, q} dy[.., p, q] · W[p, q]               = dy₂ · W₂

    Example: one channel, ``x = [[1, 2]]`` (1x2), a 1x2 kernel ``[[1, 10]]``, ``s = 2``,
    ``valid``: the copies ``1·[1, 10]`` and ``2·[1, 10]`` land side by side:
    ``z = [[1, 10, 2, 20]]``.
    """

    formula = "z = conv_transpose(x, W) + b,  a = f(z)"
    splits_batch = True  # one thread per core (_parallel.py), each product on one BLAS thread
    backward_formula = "dz = da·f'(z);  dW = im2col(dz)ᵀ·x;  db = Σ dz;  dx = conv(dz, W)"

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int],
        strides: int | tuple[int, int] = (1, 1),
        padding: str = "valid",
        output_padding: int | tuple[int, int] | None = None,
        data_format: str | None = None,
        dilation_rate: int | tuple[int, int] = (1, 1),
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs,
    ) -> None:
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, **kwargs)
        kind = f"Conv2DTranspose {self.name!r}"
        self.filters = positive_int(filters, f"{kind} filters")
        self.kernel_size, self.strides, self.padding, self.data_format = window_args(
            kind, kernel_size, strides, padding, data_format, dilation_rate)
        if output_padding is not None:
            pair = (output_padding, output_padding) if isinstance(output_padding, int) \
                else tuple(output_padding)
            if len(pair) != 2 or not all(0 <= int(p) < s for p, s in zip(pair, self.strides)):
                raise ValueError(_("{kind} output_padding must be smaller than the "
                                   "strides {strides} and not negative, got "
                                   "{output_padding!r}.").format(
                                       kind=kind, strides=self.strides,
                                       output_padding=output_padding))
            output_padding = (int(pair[0]), int(pair[1]))
        self.output_padding = output_padding

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, "Conv2DTranspose")
        H, W, C = input_shape
        self.add_weight("kernel", (*self.kernel_size, self.filters, C), self.kernel_initializer)
        if self.use_bias:  # one per output channel (not add_kernel's shape[-1], here C)
            self.add_weight("bias", (self.filters,), self.bias_initializer)
        op = self.output_padding or (None, None)
        self.geometry = [transpose_length(n, k, s, self.padding, o) for n, k, s, o in
                         zip((H, W), self.kernel_size, self.strides, op)]
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        H, W, _ = input_shape
        op = self.output_padding or (None, None)
        (Ho, _), (Wo, _) = [transpose_length(n, k, s, self.padding, o) for n, k, s, o in
                            zip((H, W), self.kernel_size, self.strides, op)]
        return (Ho, Wo, self.filters)

    def _full_shape(self, n: int) -> tuple[int, int, int, int]:
        """The uncropped output, long enough to hold the cropped one too."""
        H, W, _ = self.input_shape
        (Ho, ch), (Wo, cw) = self.geometry
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        return (n, max((H - 1) * sh + kh, ch + Ho), max((W - 1) * sw + kw, cw + Wo),
                self.filters)

    def _offsets(self):
        """``(p, q, rows, cols)``: the output pixels ``(i·s + p, j·s + q)`` of offset ``(p, q)``."""
        H, W, _ = self.input_shape
        (sh, sw) = self.strides
        for p in range(self.kernel_size[0]):
            for q in range(self.kernel_size[1]):
                yield p, q, window_slice(p, sh, H), window_slice(q, sw, W)

    def _parts(self, x: np.ndarray):
        """The batch cut into parts for ``_parallel.run`` (each part's stamps within
        ``STAMP_BYTES``), and ``scratch(slot, m)``: that thread's ``(m, H, W, kh, kw, F)``
        array for the stamps of ``m`` samples."""
        n, H, W, _ = x.shape
        shape = (H, W, *self.kernel_size, self.filters)
        parts = split(n, max(1, STAMP_BYTES // (int(np.prod(shape)) * x.dtype.itemsize)))
        most = max(stop - start for start, stop in parts)
        buffers: dict[int, np.ndarray] = {}

        def scratch(slot: int, m: int) -> np.ndarray:
            if slot not in buffers:
                buffers[slot] = np.empty((most, *shape), x.dtype)
            return buffers[slot][:m]

        return parts, scratch

    def forward(self, x, training=False):
        self.x = x
        (Ho, ch), (Wo, cw) = self.geometry
        C = x.shape[-1]
        full = np.zeros(self._full_shape(len(x)), x.dtype)
        Wr = np.ascontiguousarray(self.W.transpose(3, 0, 1, 2)).reshape(C, -1)  # (C, kh·kw·F)
        parts, scratch = self._parts(x)

        def stamp(slot: int, start: int, stop: int) -> None:
            # every pixel's stamps at once: one product, then kh·kw strided additions
            y = scratch(slot, stop - start)
            np.matmul(x[start:stop].reshape(-1, C), Wr, out=y.reshape(-1, Wr.shape[1]))
            part = full[start:stop]
            for p, q, rows, cols in self._offsets():
                part[:, rows, cols] += y[:, :, :, p, q]  # each pixel stamps its W[p, q]ᵀx

        run(stamp, parts)
        self.z = np.ascontiguousarray(full[:, ch:ch + Ho, cw:cw + Wo])
        if self.use_bias:
            self.z += self.b
        self.a = self.activation.forward(self.z)
        return self.a

    def backward(self, da):
        dz = self.activation.backward(self.z, self.a, da)
        (Ho, ch), (Wo, cw) = self.geometry
        dfull = np.zeros(self._full_shape(len(dz)), dz.dtype)
        dfull[:, ch:ch + Ho, cw:cw + Wo] = dz
        if self.use_bias:
            dz.sum(axis=(0, 1, 2), out=self.db)  # dL/db = Σ dz
        x = self.x
        C = x.shape[-1]
        Wk = self.W.reshape(-1, C)  # (kh·kw·F, C): row (p, q, f) is W[p, q, f]
        dx = np.empty(x.shape, dz.dtype) if self.need_input_grad else None
        parts, scratch = self._parts(x)

        def gather(slot: int, start: int, stop: int) -> np.ndarray:
            dy, part = scratch(slot, stop - start), dfull[start:stop]
            for p, q, rows, cols in self._offsets():  # dy[.., p, q] = dz_full at (i·s + p, ..)
                dy[:, :, :, p, q] = part[:, rows, cols]
            dy2 = dy.reshape(-1, Wk.shape[0])
            if dx is not None:
                np.matmul(dy2, Wk, out=dx[start:stop].reshape(-1, C))  # dL/dx = Σ dy · W[p, q]
            return dy2.T @ x[start:stop].reshape(-1, C)  # this part's dL/dW[p, q] = Σ dyᵀ · x

        dWk = run(gather, parts)
        self.dW[...] = (dWk[0] if len(dWk) == 1 else np.sum(dWk, axis=0)).reshape(self.dW.shape)
        return dx

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "output_padding": None if self.output_padding is None else list(self.output_padding),
            **self.kernel_config(),
        }
