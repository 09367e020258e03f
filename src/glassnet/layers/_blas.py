"""How many BLAS threads the convolution's matrix products use.

OpenBLAS's default is one thread per core. Its threads wait for each other by
spinning, so on a busy 2-core machine a second thread can make a product ten times
slower instead of twice as fast (measured for the first convnet layer's
``(86528, 9) · (9, 32)``: 2.7 ms on one thread, 36 ms on two while other processes
ran). One thread is the predictable choice; set ``BLAS_THREADS = 2`` (or ``None`` for
OpenBLAS's own choice) on an otherwise idle machine.
"""

from __future__ import annotations

from contextlib import nullcontext

BLAS_THREADS: int | None = 1
_controller = None


def blas_threads():
    """A context manager that runs its block with ``BLAS_THREADS`` BLAS threads."""
    global _controller
    if BLAS_THREADS is None:
        return nullcontext()
    if _controller is None:  # finding the BLAS libraries takes ~10 ms: do it once, lazily
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=BLAS_THREADS, user_api="blas")
