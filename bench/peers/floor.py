"""The arithmetic floor: the matrix products of one training step of 784-128-10 at batch 32,
float32, BLAS on one thread (threadpoolctl), with nothing else around them.

The five products of a step (x: input, h: hidden activation, dz: gradient of a layer's z):
  forward   z1 = x @ W1      (32x784 @ 784x128)    z2 = h @ W2      (32x128 @ 128x10)
  backward  dW1 = x.T @ dz1  (784x32 @ 32x128)     dW2 = h.T @ dz2  (128x32 @ 32x10)
            dh = dz2 @ W2.T  (32x10 @ 10x128)
(dx = dz1 @ W1.T is not needed: nothing sits below the first layer.) The two 784x128 products
hold 98% of the flops. A step's floor is the fastest of many timed runs of all five in a row,
into preallocated outputs; the epoch's floor is that times the number of steps.
"""

import time

from _common import emit, parse_args

args = parse_args()
t0 = time.perf_counter()
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

import_s = time.perf_counter() - t0

n = args.n_train or 60000
bs, (hidden,) = args.batch_size, args.hidden
rng = np.random.default_rng(0)
f32 = np.float32
x, W1, dz1 = (rng.random(s, dtype=f32) for s in [(bs, 784), (784, hidden), (bs, hidden)])
h, W2, dz2 = (rng.random(s, dtype=f32) for s in [(bs, hidden), (hidden, 10), (bs, 10)])
z1, dW1, z2 = np.empty((bs, hidden), f32), np.empty((784, hidden), f32), np.empty((bs, 10), f32)
dW2, dh = np.empty((hidden, 10), f32), np.empty((bs, hidden), f32)
products = {
    "x@W1": lambda: np.matmul(x, W1, out=z1),
    "x.T@dz1": lambda: np.matmul(x.T, dz1, out=dW1),
    "h@W2": lambda: np.matmul(h, W2, out=z2),
    "h.T@dz2": lambda: np.matmul(h.T, dz2, out=dW2),
    "dz2@W2.T": lambda: np.matmul(dz2, W2.T, out=dh),
}


def step():
    for f in products.values():
        f()


def fastest(fn, inner=50, rounds=200):
    """Seconds per call: the best mean over `inner` calls, of `rounds` tries."""
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t) / inner)
    return best


with threadpool_limits(limits=1, user_api="blas"):
    blas = [
        {k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    each = {name: fastest(f) for name, f in products.items()}
    step_s = fastest(step)
steps = -(-n // bs)
flops = 2 * bs * (2 * 784 * hidden + 3 * hidden * 10)
emit(
    version=np.__version__,
    import_s=import_s,
    blas=blas,
    product_s=each,
    step_s=step_s,
    steps=steps,
    s_per_epoch=step_s * steps,
    gflops=flops / step_s / 1e9,
)
