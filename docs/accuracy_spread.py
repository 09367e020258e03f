"""How much does the tutorial's test accuracy vary with the seed, in glassnet and in the
same Keras recipe written in PyTorch? (Results: docs/testing.md.)

    python docs/accuracy_spread.py 0 1 2 3            # glassnet, examples/first_neural_network.py
    python docs/accuracy_spread.py --torch 0 1 2 3    # PyTorch reference (needs torch)

The PyTorch reference follows Keras's recipe: glorot_uniform (Xavier uniform) kernels, zero
biases, Adam(lr=1e-3, β=(0.9, 0.999), ε=1e-7; torch places ε after bias correction, Keras
before, a negligible difference here), batches of 32 reshuffled every epoch, mean
cross-entropy, 5 epochs.
"""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
import time
from pathlib import Path

import numpy as np

import glassnet

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "first_neural_network.py"


def glassnet_run(seed: int) -> float:
    glassnet.utils.set_random_seed(seed)
    with contextlib.redirect_stdout(io.StringIO()):
        namespace = runpy.run_path(str(EXAMPLE), run_name="__main__")
    return namespace["model"].evaluate(namespace["x_test"], namespace["y_test"], verbose=0)[1]


def torch_run(seed: int) -> float:
    import torch

    torch.set_num_threads(1)
    (x, y), (xt, yt) = glassnet.datasets.mnist.load_data()
    x = torch.tensor((x.reshape(-1, 784) / 255.0).astype(np.float32))
    xt = torch.tensor((xt.reshape(-1, 784) / 255.0).astype(np.float32))
    y, yt = torch.tensor(y.astype(np.int64)), torch.tensor(yt.astype(np.int64))
    torch.manual_seed(seed)
    hidden, out = torch.nn.Linear(784, 128), torch.nn.Linear(128, 10)
    for layer in (hidden, out):
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    model = torch.nn.Sequential(hidden, torch.nn.ReLU(), out)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    for _ in range(5):
        order = torch.randperm(60000)
        for i in range(0, 60000, 32):
            idx = order[i:i + 32]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    with torch.no_grad():
        return (model(xt).argmax(1) == yt).float().mean().item()


def main(argv: list[str]) -> None:
    use_torch = "--torch" in argv
    seeds = [int(a) for a in argv if a != "--torch"] or [0, 1, 2]
    run = torch_run if use_torch else glassnet_run
    results = []
    for seed in seeds:
        start = time.perf_counter()
        results.append(run(seed))
        print(f"{'torch' if use_torch else 'glassnet'} seed={seed} "
              f"test_accuracy={results[-1]:.4f} ({time.perf_counter() - start:.0f} s)",
              flush=True)
    r = np.array(results)
    print(f"mean {r.mean():.4f}  min {r.min():.4f}  max {r.max():.4f}  "
          f">= 0.975: {int((r >= 0.975).sum())}/{len(r)}")


if __name__ == "__main__":
    main(sys.argv[1:])
