"""glassnet against its peers on the tutorial's network: 784-128(relu)-10(softmax), Adam lr 1e-3,
batch 32, 5 epochs shuffled, MNIST / 255, then accuracy on the 10,000 test images.

    python bench/compare.py                  # everything but the convnet (a few minutes)
    python bench/compare.py --quick          # 1 epoch on the first 10,000 training images
    python bench/compare.py --only glassnet torch-loop floor --skip-scaling
    python bench/compare.py --cnn            # adds the convnet of issue 6 (1 epoch each)

Each peer is a script in bench/peers/ run in a fresh process, one after another. It prints one
JSON line (seconds per epoch, test accuracy, the time of its framework's import statement); this
script adds the child's peak RSS, read exactly from os.wait4 when it exits. Every import is run
once beforehand in a throwaway process, so import times are for a warm file cache. The peers'
packages are listed in bench/requirements.txt; a peer whose package is missing is skipped.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
MODULE = {
    "glassnet": "glassnet",
    "keras": "tensorflow",
    "torch-dataloader": "torch",
    "torch-loop": "torch",
    "sklearn": "sklearn",
    "onnxruntime": "onnxruntime",
    "floor": "threadpoolctl",
}
MAIN = [  # (peer, script, arguments): the tutorial's network, as each peer's users write it
    ("glassnet", "tutorial.py", ["--lib", "glassnet"]),
    ("keras", "tutorial.py", ["--lib", "tensorflow"]),
    ("torch-dataloader", "torch_dataloader.py", []),
    ("torch-loop", "torch_loop.py", []),
    ("sklearn", "sklearn_mlp.py", []),
    ("floor", "floor.py", []),
]
SCRIPT = {peer: (script, extra) for peer, script, extra in MAIN}
SCRIPT["onnxruntime"] = ("onnx_infer.py", [])
# OpenBLAS's default of one thread per core slows scikit-learn's small products many times over
# (the trap of issue 4), so scikit-learn also runs with one BLAS thread, a fix any user can make.
EXTRA = [("sklearn 1 BLAS thread", "sklearn", ["--threads", "1"])]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="1 epoch on the first 10,000 images")
    p.add_argument("--json", default=str(HERE / "results.json"), help="where to write results")
    p.add_argument("--only", nargs="+", choices=sorted(MODULE), help="run only these peers")
    p.add_argument("--skip-scaling", action="store_true", help="no batch/depth/inference tables")
    p.add_argument("--cnn", action="store_true", help="add the convnet rows (issue 6)")
    p.add_argument("--cnn-epochs", type=int, default=1)
    p.add_argument("--scaling-epochs", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1, help="run each peer N times, keep the best")
    p.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one peer")
    return p.parse_args()


def plan(args):
    """The rows to run: (group, label, peer, script, arguments)."""
    epochs, n_train = (1, 10000) if args.quick else (5, 0)
    data, rows = ["--n-train", str(n_train)], []

    def add(group, label, peer, argv):
        script, extra = SCRIPT[peer]
        rows.append((group, label, peer, script, extra + argv))

    for label, peer, argv in [(p, p, []) for p, _, _ in MAIN] + EXTRA:
        add("main", label, peer, argv + ["--epochs", str(epochs)] + data)
    if not args.skip_scaling:
        one = ["--epochs", str(args.scaling_epochs)] + data
        for bs in (32, 128, 512):
            for peer in ("glassnet", "torch-loop", "floor"):
                add("batch", f"{peer} batch {bs}", peer, one + ["--batch-size", str(bs)])
        for peer in ("glassnet", "torch-loop"):
            add("deep", f"{peer} 784-512-512-10", peer, one + ["--hidden", "512,512"])
        for bs in (32, 10000):  # Keras's default predict batch, and all at once
            for peer in ("glassnet", "torch-loop", "onnxruntime"):
                argv = ["--infer", "--n-train", "10", "--batch-size", str(bs)]
                add("infer", f"{peer} predict batch {bs}", peer, argv)
    if args.cnn:
        cnn = ["--model", "cnn", "--batch-size", "128", "--epochs", str(args.cnn_epochs)] + data
        rows.append(("cnn", "torch-loop cnn", "torch-loop", "torch_cnn.py", cnn))
        add("cnn", "glassnet cnn", "glassnet", cnn)
    return [r for r in rows if not args.only or r[2] in args.only]


def child_env():
    path = [str(SRC)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path), TF_CPP_MIN_LOG_LEVEL="2")


def run_child(script, argv, timeout):
    """Run one peer script in a fresh process; its JSON line plus peak RSS and exit status."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "peers" / script), *argv],
            stdout=out,
            stderr=err,
            env=child_env(),
        )
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode().strip().splitlines()
        tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        result = {"failed": f"exit {proc.returncode}: " + " | ".join(tail)}
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    result["process_cpu_s"] = usage.ru_utime + usage.ru_stime
    return result


def best_run(script, argv, args):
    """The fastest of `args.repeat` runs (a shared machine only ever slows a run down)."""
    runs = [run_child(script, argv, args.timeout) for _ in range(args.repeat)]
    key, sign = ("s_per_epoch", 1) if "s_per_epoch" in runs[0] else ("images_per_s", -1)
    best = min(runs, key=lambda r: sign * r.get(key, sign * float("inf")))
    if args.repeat > 1:
        best[key + "_of_runs"] = [r.get(key) for r in runs]
    return best


WARMED = set()


def warm_import(module):
    """Import `module` once in a throwaway process, so that timed imports hit a warm cache."""
    if module not in WARMED:
        WARMED.add(module)
        subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            env=child_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def cpu_pressure():
    """Share of the last 10 s in which some task waited for a CPU (Linux PSI), or None."""
    try:
        with open("/proc/pressure/cpu") as f:
            return float(f.read().split("avg10=")[1].split()[0])
    except (OSError, IndexError, ValueError):
        return None


def machine():
    import numpy as np
    from threadpoolctl import threadpool_info

    with open("/proc/cpuinfo") as f:
        cpus = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    blas = [
        f"{i['internal_api']} {i['version']} {i.get('architecture')}, {i['num_threads']} threads"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    env = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    return {
        "cpu": cpus[0] if cpus else platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "blas": blas,
        "env": {k: os.environ[k] for k in env if k in os.environ},
        "loadavg_start": os.getloadavg()[0],
        "cpu_pressure_start": cpu_pressure(),
    }


def ratios(rows):
    """The targets of issue 4 as ratios from this one run; those missing a peer are left out."""
    ok = {r["label"]: r for r in rows if r["group"] == "main" and "s_per_epoch" in r}
    gn, keras, floor = ok.get("glassnet"), ok.get("keras"), ok.get("floor")
    peers = [r for r in ok.values() if r["peer"] not in ("glassnet", "floor")]
    if not gn:
        return []
    out = [("glassnet import s", gn["import_s"], "<", 0.2)]
    if peers:
        fast = min(peers, key=lambda r: r["s_per_epoch"])
        light = min(peers, key=lambda r: r["peak_rss_mb"])
        t = fast["s_per_epoch"] / gn["s_per_epoch"]
        out.append((f"fastest peer ({fast['label']}) s/epoch / glassnet's", t, ">=", 3))
        m = gn["peak_rss_mb"] / light["peak_rss_mb"]
        out.append((f"glassnet peak RSS / lightest peer's ({light['label']})", m, "<=", 0.5))
    if floor:
        out.append(("glassnet s/epoch / floor", gn["s_per_epoch"] / floor["s_per_epoch"], "<=", 2))
    if keras:
        diff = 100 * (gn["test_acc"] - keras["test_acc"])
        out.append(("glassnet test acc - keras's, points", diff, ">=", -0.3))
    meets = {"<": float.__lt__, "<=": float.__le__, ">=": float.__ge__}
    return [
        {"what": w, "value": v, "target": f"{op} {t}", "met": meets[op](float(v), float(t))}
        for w, v, op, t in out
    ]


def fmt(value, spec):
    return format("-", ">" + spec.split(".")[0]) if value is None else format(value, spec)


def why_not(r):
    return "skipped: " + r["skipped"] if "skipped" in r else r["failed"]


def print_table(title, rows):
    """One row per run, with its time against glassnet's and the floor's at the same batch size."""
    ref = {}
    for r in rows:
        if r["peer"] in ("glassnet", "floor") and "s_per_epoch" in r:
            ref[r["peer"], r["batch"]] = r["s_per_epoch"]
    print(f"\n{title}")
    head = ["s/epoch", "first", "best", "CPU s", "test acc", "RSS MB", "import s", "/glassnet"]
    print(
        f"{'peer':<28}" + "".join(f"{h:>9}" for h in head[:-1]) + f"{'/glassnet':>10}{'/floor':>8}"
    )
    for r in rows:
        if "s_per_epoch" not in r:
            print(f"{r['label']:<28}{why_not(r)}")
            continue
        s, g, f = (
            r["s_per_epoch"],
            ref.get(("glassnet", r["batch"])),
            ref.get(("floor", r["batch"])),
        )
        acc = 100 * r["test_acc"] if "test_acc" in r else None
        print(
            f"{r['label']:<28}{s:9.3f}{fmt(r.get('first_epoch_s'), '9.3f')}"
            f"{fmt(r.get('best_epoch_s'), '9.3f')}{fmt(r.get('cpu_s_per_epoch'), '9.3f')}"
            f"{fmt(acc, '8.2f')} %{r['peak_rss_mb']:9.0f}{r['import_s']:9.3f}"
            f"{fmt(g and s / g, '10.2f')}{fmt(f and s / f, '8.1f')}"
        )


def print_infer(rows):
    print("\nInference: predict on the 10,000 test images")
    print(f"{'peer':<32}{'images/s':>12}{'RSS MB':>9}")
    for r in rows:
        if "images_per_s" in r:
            print(f"{r['label']:<32}{r['images_per_s']:12,.0f}{r['peak_rss_mb']:9.0f}")
        else:
            print(f"{r['label']:<32}{why_not(r)}")


TITLES = {
    "main": "The tutorial's network: 784-128-10, Adam, batch 32",
    "batch": "Batch size (784-128-10)",
    "deep": "Deeper network: 784-512-512-10, batch 32",
    "cnn": "Convnet (issue 6), batch 128",
}


def main():
    args = parse_args()
    info = machine()
    print(f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, numpy {info['numpy']}")
    print(f"BLAS: {'; '.join(info['blas'])}; environment: {info['env'] or 'no BLAS variables'}")
    rows = []
    for group, label, peer, script, argv in plan(args):
        warm_import(MODULE[peer])
        print(f"running {label} ...", end=" ", flush=True)
        result = best_run(script, argv, args)
        batch = int(argv[argv.index("--batch-size") + 1]) if "--batch-size" in argv else 32
        rows.append(
            dict(group=group, label=label, peer=peer, batch=batch, argv=[script, *argv], **result)
        )
        print(result.get("skipped") or result.get("failed") or "done")
    info["loadavg_end"], info["cpu_pressure_end"] = os.getloadavg()[0], cpu_pressure()

    for group, title in TITLES.items():
        if any(r["group"] == group for r in rows):
            print_table(title, [r for r in rows if r["group"] == group])
    if any(r["group"] == "infer" for r in rows):
        print_infer([r for r in rows if r["group"] == "infer"])
    targets = ratios(rows)
    if targets:
        print("\nTargets (issue 4)")
    for t in targets:
        print(
            f"  {t['what']:<62}{t['value']:8.3f}  {t['target']:<8}{'met' if t['met'] else 'MISSED'}"
        )
    pressure = max(info["cpu_pressure_start"] or 0, info["cpu_pressure_end"] or 0)
    if pressure > 10 or info["loadavg_end"] > info["cores"]:
        print(
            f"\nWARNING: the CPU was shared during this run (load average {info['loadavg_end']:.1f}"
            f", CPU pressure {pressure:.0f}%): timings are noisy; see the CPU seconds per epoch."
        )
    result = {"machine": info, "quick": args.quick, "rows": rows, "targets": targets}
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
