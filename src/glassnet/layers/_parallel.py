"""Share a batch between the CPU cores: each thread takes its own samples.

NumPy releases Python's global interpreter lock inside matrix products and inside
element-wise operations on large arrays, so Python threads that each process their own
samples of a batch run on separate cores at the same time. The convolution and
pooling layers, whose per-sample work (im2col, the matrix products, col2im, pooling)
is most of a convnet's training step, split their batch this way::

    parts = split(128, most=10_000)     # [(0, 64), (64, 128)] on two cores
    results = run(work, parts)          # work(slot, 0, 64) here, work(slot, 64, 128) on
                                        # the other thread, at the same time

Each part writes its own rows of the output, so the threads never write to the same
memory. Measured on the 2-core machine while it was otherwise quiet (the classic convnet,
batch 128): a training step took 72-82 ms on one thread and 48-56 ms on two. A second
OpenBLAS thread instead gave nothing (72-81 ms, at twice the CPU time). When other
processes keep the cores busy the threads simply take turns: no worse than one thread,
unlike OpenBLAS threads, which spin while they wait (1.7 s instead of 0.1 s per step, measured).

The matrix products inside then use one BLAS thread each: ``glassnet.blas`` leaves
layers that split their batch out of its choice of BLAS threads, because OpenBLAS
threads on top of these would compete for the same cores.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

#: Threads (one per core) that share a batch; None: every core this process may use.
WORKERS: int | None = None
#: A part of fewer samples is not worth handing to another thread (~50 µs).
MIN_SAMPLES = 8
#: Bytes a part of a batch should touch (its input, output and scratch arrays), so that
#: what one step of a part writes is still in the CPU's cache when the next step reads it.
#: Measured on the second convolution's backward pass alone: parts of 16 samples ran about
#: 20% faster than halves of 64; over a whole training step the difference was within the
#: noise of the shared 2-core machine. Small parts also let a free thread take over work.
PART_BYTES = 2 * 2**20

_executor: ThreadPoolExecutor | None = None
_executor_size = 0


def workers() -> int:
    """How many threads share a batch."""
    if WORKERS is not None:
        return max(1, int(WORKERS))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def split(n: int, most: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` parts of ``range(n)``: one per worker (when each gets
    at least ``MIN_SAMPLES``), and more if needed so that none exceeds ``most`` samples.

    When the batch is shared, the number of parts is a multiple of the number of workers,
    so that equal threads finish together: with 11 parts for 2 threads, one thread did 6
    while the other waited for the sixth (the convnet's second convolution: 1.83 cores
    busy on average over its backward pass).
    """
    count = max(-(-n // max(1, most)), min(workers(), n // MIN_SAMPLES), 1)
    if count > 1:
        count = min(-(-count // workers()) * workers(), n)
    bounds = [n * i // count for i in range(count + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(count)]


def run(work, parts: list[tuple[int, int]]) -> list:
    """``work(slot, start, stop)`` for every part; the results in the order of ``parts``.

    ``slot`` numbers the threads (0 is the calling one): a slot runs its parts one after
    another, so it may reuse its own scratch buffers. Each thread takes the next part
    as soon as it is free, so a thread slowed down by another process does less of the
    work instead of holding everyone up.
    """
    k = min(workers(), len(parts))
    if k == 1:
        return [work(0, start, stop) for start, stop in parts]
    results = [None] * len(parts)
    order = iter(range(len(parts)))
    lock = threading.Lock()

    def take_parts(slot: int) -> None:
        while True:
            with lock:
                i = next(order, None)
            if i is None:
                return
            results[i] = work(slot, *parts[i])

    global _executor, _executor_size
    if _executor is None or _executor_size < k - 1:  # threads are started once, then reused
        _executor = ThreadPoolExecutor(max_workers=k - 1, thread_name_prefix="glassnet")
        _executor_size = k - 1
    futures = [_executor.submit(take_parts, slot) for slot in range(1, k)]
    try:
        take_parts(0)
    finally:  # never return while another thread still writes into the layer's arrays
        for f in futures:
            f.exception()
    for f in futures:
        f.result()  # re-raise a worker's error here
    return results
