"""``Conv2D``: a small filter slid over the image, as one matrix product (im2col)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .. import activations
from ..errors import InputError
from ..i18n import _
from . import _parallel
from ._parallel import run, split, workers
from ._spatial import (
    check_image_shape,
    output_length,
    pad_amounts,
    positive_int,
    window_args,
    window_slice,
)
from .base import KernelLayer

# Largest im2col buffer kept for a batch. A bigger batch has its patches built part by part
# (twice: again in backward), so memory stays bounded whatever batch size fit is given.
CHUNK_BYTES = 64 * 2**20
# Scratch arrays a layer keeps for the batch sizes it has seen. A GAN's discriminator sees
# two (fake and real images together, then fake ones alone): a cap of 9 arrays made it
# allocate its buffers again at every call.
BUFFER_BYTES = 4 * CHUNK_BYTES


class Conv2D(KernelLayer):
    """2-D convolution over channels-last images: ``z = conv(x, W) + b``, ``a = f(z)``.

    Shapes: ``x (batch, H, W, C)``, kernel ``W (kh, kw, C, F)`` (Keras's layout),
    bias ``b (F,)``, ``z, a (batch, Ho, Wo, F)`` with ``Ho, Wo`` from ``padding``
    and ``strides`` (``valid``: ``Ho = (H - kh) // s + 1``; ``same``: ``Ho = ceil(H / s)``).

    Each output pixel is a dot product between one ``kh x kw x C`` patch of the input
    and each of the ``F`` filters::

        z[n, i, j, f] = b[f] + Σ_{p, q, c} x[n, i·s + p, j·s + q, c] · W[p, q, c, f]

    **im2col.** Instead of looping over pixels, every patch is copied into one row of a
    matrix ``cols`` of shape ``(batch·Ho·Wo, kh·kw·C)`` (a strided view of ``x`` made
    by ``sliding_window_view``, then one copy). The convolution is then the single
    matrix product of a ``Dense`` layer::

        z = cols · W₂ + b,   W₂ = W reshaped to (kh·kw·C, F)

    The bias rides along in the same product: ``cols`` gets one more column of ones and
    ``W₂`` one more row, ``b``, so ``[cols 1] · [W₂; b] = cols · W₂ + b`` (and in the
    backward pass the last row of ``[cols 1]ᵀ · dz`` is ``Σ dz = db``).

    Example: MNIST ``x (128, 28, 28, 1)``, ``Conv2D(32, 3)``: ``cols (128·26·26, 9)``,
    ``W₂ (9, 32)``, ``z (128, 26, 26, 32)``.

    **Backpropagation** is Dense's, then im2col undone (col2im)::

        dz    = da * f'(z)
        dW₂   = colsᵀ · dz₂                 (kh·kw·C, batch·Ho·Wo) · (batch·Ho·Wo, F)
        db    = Σ_{batch, i, j} dz
        dcols = dz₂ · W₂ᵀ                   (batch·Ho·Wo, kh·kw·C)
        dx    = col2im(dcols)

    col2im adds each patch's gradient back onto the input pixels it came from: one
    whole-array addition per kernel offset ``(p, q)``, ``kh·kw`` additions in all, since
    neighbouring patches overlap and a pixel receives gradient from several of them.
    ``dcols`` is computed offset by offset, ``dz₂ · W[p, q]ᵀ``, right before its addition.

    **Speed and memory.** Samples are independent until ``dW₂`` and ``db`` sum over them,
    so the batch is cut into parts, one per CPU core, that run on separate threads
    (``_parallel.py``); each part's ``dW₂`` and ``db`` are added at the end. A batch whose
    ``cols`` would exceed ``CHUNK_BYTES`` is cut into more parts, processed a few at a
    time, so memory stays bounded for any batch size.

    **Stamping, for many channels in and few out.** With stride 1, each input pixel can
    instead stamp its ``kh x kw x F`` contribution onto the output (the way
    ``Conv2DTranspose`` works), from one product over the unpadded input::

        y[n, a, b, p, q, f] = Σ_c x[n, a, b, c] · W[p, q, c, f]     (x₂ · W_r, W_r: (C, kh·kw·F))
        z[n, i, j, f]       = b[f] + Σ_{p, q} y[n, i + p - pt, j + q - pl, p, q, f]

    and backward gathers ``dz`` the same way, ``dy[n, a, b, p, q] = dz[n, a - p + pt,
    b - q + pl]`` (0 outside the output), so that ``dW_r = x₂ᵀ · dy₂`` and
    ``dx₂ = dy₂ · W_rᵀ`` need no col2im. The multiply-adds are the same; the array in
    between has ``kh·kw·F`` numbers per pixel instead of ``kh·kw·C``. A GAN generator's
    last layer, ``Conv2D(1, 7, padding="same")`` on ``(64, 28, 28, 128)``, has patches of
    1.2 GB and stamps of 10 MB (``uses_stamps``).
    """

    formula = "z = conv(x, W) + b = im2col(x) · W + b,  a = f(z)"
    splits_batch = True  # one thread per core, each product on one BLAS thread (glassnet.blas)
    backward_formula = "dz = da·f'(z);  dW = im2col(x)ᵀ·dz;  db = Σ dz;  dx = col2im(dz·Wᵀ)"

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int],
        strides: int | tuple[int, int] = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | tuple[int, int] = (1, 1),
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs,
    ) -> None:
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, **kwargs)
        kind = f"Conv2D {self.name!r}"
        self.filters = positive_int(filters, f"{kind} filters")
        self.kernel_size, self.strides, self.padding, self.data_format = window_args(
            kind, kernel_size, strides, padding, data_format, dilation_rate)
        self._buffers: dict[tuple, np.ndarray] = {}

    #: images of any size (``Input(shape=(None, None, 3))``): the kernel depends on the
    #: channels only, and each batch's height and width set the geometry (``fit_image``)
    handles_variable_length = True

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, "Conv2D")
        kh, kw = self.kernel_size
        self.add_kernel((kh, kw, input_shape[-1], self.filters))
        self.fit_image(input_shape)

    def fit_image(self, input_shape) -> None:
        """Set the padding and the output size for images of ``input_shape``."""
        H, W, C = input_shape
        kh, kw = self.kernel_size
        if self.padding == "valid" and H is not None and W is not None and (H < kh or W < kw):
            raise InputError(
                _("Conv2D layer {name!r}: its {kh}x{kw} kernel does not fit in inputs of "
                  "{H}x{W} pixels with padding='valid'. Use a smaller kernel_size, "
                  "padding='same', or fewer pooling layers before it.").format(
                      name=self.name, kh=kh, kw=kw, H=H, W=W)
            )
        self.pads = (pad_amounts(H, kh, self.strides[0], self.padding),
                     pad_amounts(W, kw, self.strides[1], self.padding))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        H, W, _ = input_shape
        return (output_length(H, self.kernel_size[0], self.strides[0], self.padding),
                output_length(W, self.kernel_size[1], self.strides[1], self.padding),
                self.filters)

    # -- im2col and col2im ------------------------------------------------------
    def _buffer(self, key: str, shape: tuple[int, ...], dtype, fill: float = 0) -> np.ndarray:
        """A scratch array reused from batch to batch (allocated once per batch size)."""
        full = (key, shape, np.dtype(dtype).str)
        buf = self._buffers.get(full)
        if buf is None:
            kept = sum(b.nbytes for b in self._buffers.values())
            if kept + np.prod(shape) * np.dtype(dtype).itemsize > BUFFER_BYTES:
                self._buffers.clear()  # many batch sizes (predict): forget the old ones
            buf = self._buffers[full] = np.full(shape, fill, dtype)
        return buf

    def _padded(self, x: np.ndarray, slot: int, most: int) -> np.ndarray:
        """``x`` with its ``same`` padding of zeros (``x`` itself when there is none)."""
        (pt, pb), (pl, pr) = self.pads
        if pt + pb + pl + pr == 0:
            return x
        n, H, W, C = x.shape
        xp = self._buffer(f"xp{slot}", (most, H + pt + pb, W + pl + pr, C), x.dtype)[:n]
        xp[:, pt:pt + H, pl:pl + W] = x  # the border stays zero
        return xp

    def _im2col(self, x: np.ndarray, cols: np.ndarray, slot: int, most: int) -> np.ndarray:
        """Write the patches of ``x (n, H, W, C)`` as the rows of ``cols (n·Ho·Wo, kh·kw·C + 1)``.

        ``sliding_window_view`` gives every ``kh x kw`` window as a view of shape
        ``(n, H', W', C, kh, kw)`` without copying; striding picks every ``s``-th one,
        and one copy lays each patch out in the kernel's ``(kh, kw, C)`` order. The last
        column (with a bias) holds ones, written once when the buffer was made.
        """
        n = len(x)
        Ho, Wo, _ = self.output_shape
        kh, kw = self.kernel_size
        sh, sw = self.strides
        C = x.shape[-1]
        xp = self._padded(x, slot, most)
        row, item = cols.strides  # the patch columns of cols, seen as (n, Ho, Wo, kh, kw, C)
        patches = as_strided(cols, (n, Ho, Wo, kh, kw, C),
                             (Ho * Wo * row, Wo * row, row, kw * C * item, C * item, item))
        if C == 1:  # one channel (grey images): a copy per kernel offset was 1.6x faster
            for p in range(kh):
                for q in range(kw):
                    patches[:, :, :, p, q] = xp[:, window_slice(p, sh, Ho), window_slice(q, sw, Wo)]
            return cols
        windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))
        windows = windows[:, ::sh, ::sw][:, :Ho, :Wo]  # (n, Ho, Wo, C, kh, kw)
        np.copyto(patches, windows.transpose(0, 1, 2, 4, 5, 3))
        return cols

    def _col2im(self, dz: np.ndarray, Wt: np.ndarray, dxp: np.ndarray, slot: int) -> None:
        """Add ``dcols = dz · W₂ᵀ`` onto ``dxp``, the padded input, one kernel offset at a time.

        The ``(p, q)`` entries of every patch came from input pixels ``(i·s + p, j·s + q)``,
        and their gradient is ``dz · W[p, q]ᵀ`` (``Wt[p, q]``, ``(F, C)``): one matrix
        product and one strided addition per offset, ``kh·kw`` of each. Computing ``dcols``
        whole and then picking its offset columns was slower: each addition then read
        ``C`` numbers out of every ``kh·kw·C``-wide row.
        """
        n = len(dxp)
        Ho, Wo, _ = self.output_shape
        kh, kw = self.kernel_size
        sh, sw = self.strides
        C = dxp.shape[-1]
        d = self._buffer(f"dcols{slot}", (self._most * Ho * Wo, C), dz.dtype)[:len(dz)]
        for p in range(kh):
            for q in range(kw):
                np.matmul(dz, Wt[p, q], out=d)  # dL/dcols for offset (p, q)
                dxp[:, window_slice(p, sh, Ho), window_slice(q, sw, Wo)] += d.reshape(
                    n, Ho, Wo, C)

    def _plan(self, n: int, dtype) -> None:
        """Cut a batch of ``n`` samples into parts and choose where their ``cols`` live.

        A part holds about ``_parallel.PART_BYTES`` of ``cols`` and ``z`` (at least one
        part per core). When the whole batch's ``cols`` fit in ``CHUNK_BYTES`` they are
        kept for backward (``self.cols``); otherwise each thread reuses one part-sized
        buffer and the backward pass builds the patches again.
        """
        Ho, Wo, F = self.output_shape
        width = self.W[..., 0].size + self.use_bias  # kh·kw·C (+ 1 for the bias)
        itemsize = np.dtype(dtype).itemsize
        per_sample = Ho * Wo * (width + F) * itemsize
        if self.uses_stamps():  # no patches: the stamps y (or dy) and z of each sample
            H, W, _ = self.input_shape
            per_sample = (H * W * self.W[..., 0, :].size + Ho * Wo * F) * itemsize
        most = max(1, min(_parallel.PART_BYTES, CHUNK_BYTES // workers()) // per_sample)
        self.parts = split(n, most)
        self._most = max(stop - start for start, stop in self.parts)
        rows = Ho * Wo
        if n * rows * width * itemsize <= CHUNK_BYTES and not self.uses_stamps():
            self.cols = self._buffer("cols", (n * rows, width), dtype, 1)
        else:
            self.cols = None

    def _part_cols(self, slot: int, start: int, stop: int) -> tuple[np.ndarray, bool]:
        """The ``cols`` rows of samples ``start:stop``; True if they already hold the patches
        (kept from the forward pass)."""
        rows = self.output_shape[0] * self.output_shape[1]
        if self.cols is not None:
            return self.cols[start * rows:stop * rows], True
        width = self.W[..., 0].size + self.use_bias
        buf = self._buffer(f"cols{slot}", (self._most * rows, width), self.x.dtype, 1)
        return buf[:(stop - start) * rows], False

    # -- the two passes -----------------------------------------------------------
    # The batch is cut into parts of samples (_plan), which run on one thread per core
    # (_parallel.run); each part's dW₂ and db are added at the end.
    def forward(self, x, training=False):
        if x.shape[1:] != self.input_shape:  # images of another size than the last batch's
            self.fit_image(x.shape[1:])
        self.x = x
        Ho, Wo, F = self.output_shape
        self.z = np.empty((len(x), Ho, Wo, F), x.dtype)
        W2 = self.W.reshape(-1, F)
        if self.use_bias and not self.uses_stamps():  # [W₂; b]: the bias is the weight of
            W2 = np.concatenate([W2, self.b[None]])    # the column of ones
        self._plan(len(x), x.dtype)
        if self.uses_stamps():
            Wr = self._stamp_kernel()
            run(lambda slot, start, stop: self._stamp_forward(slot, start, stop, Wr),
                self.parts)
        else:
            run(lambda slot, start, stop: self._forward_part(slot, start, stop, W2), self.parts)
        if self.activation is activations.relu:
            self.a = self.z  # done in place by _forward_part: relu'(z) = [z > 0] = [a > 0]
        else:
            self.a = self.activation.forward(self.z)
        return self.a

    def _forward_part(self, slot: int, start: int, stop: int, W2: np.ndarray) -> None:
        """``z = [cols 1] · [W₂; b]`` for samples ``start:stop``."""
        cols, _ = self._part_cols(slot, start, stop)
        self._im2col(self.x[start:stop], cols, slot, self._most)
        z = self.z[start:stop]
        np.matmul(cols, W2, out=z.reshape(-1, self.filters))
        if self.activation is activations.relu:
            np.maximum(z, 0, out=z)  # in place, saving one image-sized array

    def backward(self, da):
        dR = self.activity_gradient()  # an activity penalty's dR/da, or None
        if dR is not None:
            da = da + dR
        if self.uses_stamps():
            return self._stamp_backward(da)
        dxp = None
        if self.need_input_grad:
            (pt, pb), (pl, pr) = self.pads
            H, W, C = self.input_shape
            dxp = np.empty((len(da), H + pt + pb, W + pl + pr, C), da.dtype)  # zeroed by parts
        Wt = np.ascontiguousarray(self.W.transpose(0, 1, 3, 2))  # W[p, q]ᵀ, (kh, kw, F, C)
        grads = run(lambda slot, start, stop: self._backward_part(slot, start, stop, da, Wt, dxp),
                    self.parts)
        # the parts' [dW₂; db] add up; written in place (dW, db are views of the model's θ)
        dWb = grads[0] if len(grads) == 1 else np.sum(grads, axis=0)
        K = self.W[..., 0].size
        self.dW.reshape(K, -1)[...] = dWb[:K]
        if self.use_bias:
            self.db[...] = dWb[K]
        self.add_regularization_grads()  # + dR/dW, dR/db of weight penalties, if any
        if dxp is None:
            return None
        H, W = self.input_shape[:2]
        (pt, _), (pl, _) = self.pads
        return dxp[:, pt:pt + H, pl:pl + W]

    def _backward_part(self, slot: int, start: int, stop: int, da: np.ndarray, Wt: np.ndarray,
                       dxp: np.ndarray | None) -> np.ndarray:
        """Samples ``start:stop``: their share of ``[dW₂; db]``, and their ``dx`` into ``dxp``."""
        F = self.filters
        part = slice(start, stop)
        dz = self.activation.backward(self.z[part], self.a[part], da[part])  # da · f'(z)
        dz = dz.reshape(-1, F)
        cols, kept = self._part_cols(slot, start, stop)
        if not kept:
            self._im2col(self.x[part], cols, slot, self._most)
        dWb = cols.T @ dz  # [dL/dW₂; dL/db] = [cols 1]ᵀ · dL/dz₂
        if dxp is not None:
            dxp[part] = 0
            self._col2im(dz, Wt, dxp[part], slot)  # dL/dcols = dL/dz₂ · W₂ᵀ, added back
        return dWb

    # -- stamping (stride 1, few filters for many channels; see the class docstring) ----
    def uses_stamps(self) -> bool:
        """Stamp instead of im2col: stride 1, and stamps at most half the size of patches
        (``2·H·W·F <= Ho·Wo·C``). The classic convnet's layers (``C = 1`` then ``32``,
        ``F = 32`` then ``64``) keep im2col."""
        H, W, C = self.input_shape
        Ho, Wo, F = self.output_shape
        return self.strides == (1, 1) and 2 * H * W * F <= Ho * Wo * C

    def _stamp_kernel(self) -> np.ndarray:
        """``W_r``: the kernel as ``(C, kh·kw·F)``, column ``(p, q, f)`` for ``W[p, q, :, f]``."""
        return np.ascontiguousarray(self.W.transpose(2, 0, 1, 3)).reshape(self.W.shape[2], -1)

    def _stamp_offsets(self):
        """``(p, q, z_rows, z_cols, x_rows, x_cols)``: the output pixels that kernel offset
        ``(p, q)`` reaches, and the input pixels ``(i + p - pt, j + q - pl)`` they read."""
        H, W, _ = self.input_shape
        Ho, Wo, _ = self.output_shape
        (pt, _), (pl, _) = self.pads

        def reach(k, pad, n_in, n_out):
            i0, i1 = max(0, pad - k), min(n_out, n_in + pad - k)
            return (slice(i0, i1), slice(i0 + k - pad, i1 + k - pad)) if i1 > i0 else None

        for p in range(self.kernel_size[0]):
            for q in range(self.kernel_size[1]):
                rows, cols = reach(p, pt, H, Ho), reach(q, pl, W, Wo)
                if rows is not None and cols is not None:
                    yield p, q, rows[0], cols[0], rows[1], cols[1]

    def _stamps(self, key: str, slot: int, m: int, dtype) -> np.ndarray:
        """A slot's ``(m, H, W, kh, kw, F)`` scratch array (``y`` or ``dy``)."""
        H, W, _ = self.input_shape
        shape = (self._most, H, W, *self.kernel_size, self.filters)
        return self._buffer(f"{key}{slot}", shape, dtype)[:m]

    def _stamp_forward(self, slot: int, start: int, stop: int, Wr: np.ndarray) -> None:
        """``z = b + Σ_{p, q} (x₂ · W_r) shifted by (p, q)`` for samples ``start:stop``."""
        x = np.ascontiguousarray(self.x[start:stop])
        y = self._stamps("y", slot, len(x), x.dtype)
        np.matmul(x.reshape(-1, x.shape[-1]), Wr, out=y.reshape(len(x) * x[0, ..., 0].size, -1))
        z = self.z[start:stop]
        z[...] = self.b if self.use_bias else 0
        for p, q, zi, zj, yi, yj in self._stamp_offsets():
            z[:, zi, zj] += y[:, yi, yj, p, q]
        if self.activation is activations.relu:
            np.maximum(z, 0, out=z)

    def _stamp_backward(self, da: np.ndarray):
        """``dW_r = x₂ᵀ · dy₂``, ``db = Σ dz``, ``dx₂ = dy₂ · W_rᵀ`` (see the class docstring)."""
        dR = self.activity_gradient()
        if dR is not None:
            da = da + dR
        Wr = self._stamp_kernel()
        dx = np.empty(self.x.shape, da.dtype) if self.need_input_grad else None
        C = self.x.shape[-1]

        def part(slot: int, start: int, stop: int):
            span = slice(start, stop)
            dz = self.activation.backward(self.z[span], self.a[span], da[span])
            dy = self._stamps("dy", slot, len(dz), dz.dtype)  # zeros stay where no (p, q)
            for p, q, zi, zj, yi, yj in self._stamp_offsets():  # output pixel reaches
                dy[:, yi, yj, p, q] = dz[:, zi, zj]
            dy2 = dy.reshape(len(dz) * dy[0, :, :, 0, 0, 0].size, -1)
            x2 = np.ascontiguousarray(self.x[span]).reshape(-1, C)
            if dx is not None:
                np.matmul(dy2, Wr.T, out=dx[span].reshape(-1, C))  # dL/dx
            return x2.T @ dy2, dz.sum(axis=(0, 1, 2))  # dL/dW_r, dL/db

        grads = run(part, self.parts)
        dWr = grads[0][0] if len(grads) == 1 else np.sum([g[0] for g in grads], axis=0)
        kh, kw = self.kernel_size
        self.dW[...] = dWr.reshape(C, kh, kw, -1).transpose(1, 2, 0, 3)
        if self.use_bias:
            self.db[...] = grads[0][1] if len(grads) == 1 else np.sum([g[1] for g in grads],
                                                                       axis=0)
        self.add_regularization_grads()
        return dx

    def call_state(self):
        """As ``Layer.call_state``, without the kept patches: ``cols`` lives in a buffer that
        the next call overwrites, so a tape's backward builds them again from ``x``."""
        return {**super().call_state(), "cols": None}

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            **self.kernel_config(),
        }
