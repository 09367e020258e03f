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
from concurrent.futures import ThreadPoolExecutor

#: Threads (one per core) that share a batch; None: every core this process may use.
WORKERS: int | None = None
#: A part of fewer samples is not worth handing to another thread (~50 µs).
MIN_SAMPLES = 8

_executor: ThreadPoolExecutor | None = None


def workers() -> int:
    """How many threads share a batch."""
    if WORKERS is not None:
        return max(1, int(WORKERS))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def split(n: int, most: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` parts of ``range(n)``: one per worker (when each gets
    at least ``MIN_SAMPLES``), and more if needed so that none exceeds ``most`` samples."""
    count = max(-(-n // max(1, most)), min(workers(), n // MIN_SAMPLES), 1)
    bounds = [n * i // count for i in range(count + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(count)]


def run(work, parts: list[tuple[int, int]]) -> list:
    """``work(slot, start, stop)`` for every part; the results in the order of ``parts``.

    Part ``i`` runs on thread ``slot = i % workers``, so the parts of one slot run one
    after another and may share that slot's scratch buffers. Slot 0 is the calling
    thread.
    """
    k = min(workers(), len(parts))
    if k == 1:
        return [work(0, start, stop) for start, stop in parts]

    def slot_parts(slot: int) -> list:
        return [work(slot, *parts[i]) for i in range(slot, len(parts), k)]

    global _executor
    if _executor is None or _executor._max_workers < k - 1:
        _executor = ThreadPoolExecutor(max_workers=k - 1, thread_name_prefix="glassnet")
    futures = [_executor.submit(slot_parts, slot) for slot in range(1, k)]
    done = [slot_parts(0)] + [f.result() for f in futures]
    return [done[i % k][i // k] for i in range(len(parts))]
