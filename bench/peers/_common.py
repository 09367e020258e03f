"""What every peer script shares: its arguments, epoch statistics and the one JSON line.

Only the standard library is imported here, so that a peer can time its framework's
import before anything else (numpy included) is loaded.
"""

import argparse
import importlib
import json
import sys
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--n-train", type=int, default=0, help="first N training images (0: all)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--hidden", default="128", help="hidden layer sizes, comma separated")
    p.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    p.add_argument("--infer", action="store_true", help="time predict on the test set instead")
    p.add_argument("--threads", type=int, default=0, help="framework threads (0: peer's choice)")
    p.add_argument("--lib", default="glassnet", help="tutorial.py: glassnet or tensorflow")
    args = p.parse_args()
    args.hidden = [int(h) for h in args.hidden.split(",")]
    return args


def emit(**fields):
    """Print the result as one JSON line on stdout, the only thing the parent reads."""
    print(json.dumps(fields), flush=True)


def skip(reason):
    emit(skipped=reason)
    sys.exit(0)


def emit_inference(version, import_s, seconds, images, batch_size, **extra):
    """The JSON line of an ``--infer`` run: ``images`` predicted in ``seconds``."""
    emit(version=version, import_s=import_s, predict_s=seconds, images_per_s=images / seconds,
         batch_size=batch_size, **extra)


def timed_import(name):
    """``(module, seconds)``: import ``name``, timed. A missing package skips the peer."""
    t0 = time.perf_counter()
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        skip(f"not installed ({e})")
    return module, time.perf_counter() - t0


class EpochClock:
    """Wall and CPU seconds of each epoch: ``start()`` as it begins, ``stop()`` as it ends.

    CPU seconds are those of all the process's threads; on a CPU shared with other work they
    stay close to what a quiet machine's wall time would be for a single-threaded peer.
    """

    def __init__(self):
        self.wall, self.cpu = [], []

    def start(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def stop(self):
        self.wall.append(time.perf_counter() - self._wall)
        self.cpu.append(time.process_time() - self._cpu)

    def stats(self):
        return {
            "epoch_s": self.wall,
            "s_per_epoch": sum(self.wall) / len(self.wall),
            "first_epoch_s": self.wall[0],
            "best_epoch_s": min(self.wall),
            "epoch_cpu_s": self.cpu,
            "cpu_s_per_epoch": sum(self.cpu) / len(self.cpu),
        }


def best_of(fn, repeats=5):
    """Seconds of the fastest of `repeats` calls, after one warm-up call."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best
