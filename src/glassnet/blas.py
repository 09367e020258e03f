"""How many threads NumPy's matrix products (BLAS) may use during ``fit`` and ``predict``.

NumPy hands every ``x @ W`` to a BLAS library (OpenBLAS in NumPy's wheels), which
starts one thread per core by default. For the small products of a training step
that default is a trap: waking a second thread costs more than the product itself.
Measured on a 2-core machine, ``(32, 784) @ (784, 128)`` took 0.09 ms on one thread
and up to 4 ms on two, and a whole epoch of the tutorial's network went from about
1.2 s to 39 s when the machine was busy. Large products (a batch of 512 through a
512-unit layer, ``predict`` on 10,000 images at once) do gain from a second core.

So ``fit``, ``evaluate`` and ``predict`` choose deliberately, from the size of the
largest product per batch: one thread below ``MIN_WORK_PER_THREAD`` multiply-adds,
else one thread per ``MIN_WORK_PER_THREAD``, up to the number of cores that are idle
(by the 1-minute load average). On a busy machine a second thread is a loss even for
large products: ``predict`` of 10,000 images at once took 104 ms on two threads
against 72 ms on one while other processes kept both cores busy. The choice is undone
when they return. ``threadpoolctl`` (a dependency) does the switching; it
is imported on first use, so ``import glassnet`` stays fast.
"""

from __future__ import annotations

import math
import os
import sys

#: Multiply-adds a product needs before a second BLAS thread pays for itself.
#: About 2 ms of work on one core: (512, 784) @ (784, 128) is 51 million.
MIN_WORK_PER_THREAD = 40_000_000

#: threadpoolctl.ThreadpoolController (about 6 ms to find the libraries), and how many
#: Python modules were loaded then: an import since (SciPy, torch) may have brought a BLAS
#: of its own, so the libraries are looked for again.
_controller, _modules_then = None, 0


def largest_product(model, batch_size: int) -> int:
    """Multiply-adds of the largest matrix product one batch makes in ``model``.

    A layer's weights each take part in one multiply-add per sample and output
    position: ``n_in · units`` for ``Dense``, ``k·k·c_in · filters`` per pixel for a
    convolution.
    """
    work = 0
    for layer in model.leaves():
        if getattr(layer, "splits_batch", False):
            continue  # it runs parts of its batch on one thread per core (layers/_parallel.py)
        shape = layer.output_shape if isinstance(layer.output_shape, tuple) else ()
        positions = math.prod(d for d in shape[:-1] if isinstance(d, int))
        own = sum(int(w.size) for w in (*layer.params.values(), *layer.state.values()))
        work = max(work, batch_size * positions * own)
    return work


def threads_for(work: int) -> int:
    """BLAS threads for a product of ``work`` multiply-adds on this machine, now."""
    wanted = work // MIN_WORK_PER_THREAD
    if wanted < 2:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0  # includes this process
    idle = int((cores or 1) - busy + 1)  # the core this process runs on, plus the idle ones
    return max(1, min(cores or 1, wanted, idle))


class limit_threads:  # noqa: N801 - used like a function: limit = limit_threads(model, 32)
    """Set the BLAS thread count for ``model`` at ``batch_size`` until ``restore()``
    (or to ``threads``, when given: a ``GradientTape``'s backward pass takes the count its
    forward pass had). When BLAS already has that count, nothing is switched (about 2 µs
    instead of 20: a training loop written with ``GradientTape`` calls its model this way
    at every step).

    Also a context manager: ``with limit_threads(model, 32): ...``.
    """

    def __init__(self, model, batch_size: int, threads: int | None = None) -> None:
        self.threads = threads or threads_for(largest_product(model, batch_size))
        self._limiter = None
        controller = _get_controller()
        if controller is not None and any(
                lib.num_threads != self.threads for lib in controller.lib_controllers
                if lib.user_api == "blas"):
            self._limiter = controller.limit(limits=self.threads, user_api="blas")

    def restore(self) -> None:
        """Give BLAS back the thread count it had before."""
        if self._limiter is not None:
            self._limiter.restore_original_limits()
            self._limiter = None

    def __enter__(self) -> limit_threads:
        return self

    def __exit__(self, *exc) -> None:
        self.restore()


def _get_controller():
    global _controller, _modules_then
    if _controller is None or len(sys.modules) != _modules_then:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # without threadpoolctl, BLAS keeps its own default
            return None
        _controller, _modules_then = ThreadpoolController(), len(sys.modules)
    return _controller
