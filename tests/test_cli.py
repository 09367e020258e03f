"""The ``glassnet`` command, run for real in subprocesses on small settings."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glassnet import load_model
from glassnet.cli import main
from glassnet.datasets import mnist

PNG = b"\x89PNG\r\n\x1a\n"
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "NO_COLOR": "1"}


def glassnet(*args, cwd=None, env=None, check=True) -> subprocess.CompletedProcess:
    """Run ``python -m glassnet ARGS``; with ``check``, fail on a non-zero exit."""
    result = subprocess.run([sys.executable, "-m", "glassnet", *map(str, args)], cwd=cwd,
                            env=env or ENV, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        pytest.fail(f"glassnet {' '.join(map(str, args))} exited {result.returncode}:\n"
                    f"{result.stdout}\n{result.stderr}")
    return result


def assert_clean_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit status 2 and one line on stderr that names the problem, no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("glassnet: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``glassnet train`` once: 1 epoch on 20,000 images (about 93% test accuracy)."""
    folder = tmp_path_factory.mktemp("trained")
    result = glassnet("train", "--epochs", 1, "--limit", 20000, "--seed", 0,
                      "--out", folder / "model.glassnet", "--report", folder / "report",
                      cwd=folder)
    return folder, result


@pytest.fixture(scope="module")
def drawn_digits(tmp_path_factory):
    """PNGs a user might make: dark MNIST test digits on white, enlarged, off-centre."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("digits")
    _, (xt, yt) = mnist.load_data()
    rng = np.random.default_rng(0)
    paths = []
    for i in range(20):
        ink = Image.fromarray(255 - xt[i]).resize((56, 56), Image.Resampling.BILINEAR)
        paper = Image.new("L", (100, 80), 255)
        paper.paste(ink, (int(rng.integers(0, 44)), int(rng.integers(0, 24))))
        path = folder / f"digit{i}.png"
        paper.save(path)
        paths.append(path)
    return paths, yt[:20]


def test_train_prints_progress_and_test_accuracy_and_saves(trained):
    folder, result = trained
    out = result.stdout
    assert "Epoch 1/1" in out
    assert re.search(r"563/563 .* accuracy: 0\.\d{4} - loss: \d\.\d{4} - val_accuracy", out)
    accuracy = float(re.search(r"Test accuracy: (0\.\d+)", out).group(1))
    assert accuracy > 0.9
    assert "Holding out 10%" in out  # --report brings validation curves
    assert (folder / "model.glassnet").is_file()
    assert f"Saved the model to {folder / 'model.glassnet'}" in out


def test_train_report_files(trained):
    folder, result = trained
    report = folder / "report"
    assert f"Report: {report / 'index.html'}" in result.stdout
    html = (report / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'<img src="([^"]+)"', html)
    assert {"curves.png", "weights.png", "confusion.png", "wrong.png", "saliency.png",
            "adversarial.png"} <= set(names)
    for name in names:
        assert (report / name).read_bytes()[:8] == PNG
    assert "https://" not in html and "http://" not in html
    history = json.loads((report / "history.json").read_text())
    assert set(history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert len(history["loss"]) == 1


def test_python_dash_m_and_the_console_script():
    result = glassnet("--help")
    for command in ("train", "evaluate", "summary", "report", "predict", "robustness",
                    "export"):
        assert command in result.stdout
    script = shutil.which("glassnet")
    if script is None:
        pytest.skip("the glassnet script is not on PATH (package not installed)")
    result = subprocess.run([script, "train", "--help"], capture_output=True, text=True,
                            env=ENV, timeout=120)
    assert result.returncode == 0
    for option in ("--epochs", "--batch-size", "--hidden", "--activation", "--optimizer",
                   "--learning-rate", "--seed", "--validation-split", "--out", "--report",
                   "--model", "--limit"):
        assert option in result.stdout


def test_train_options(tmp_path):
    result = glassnet("train", "--epochs", 2, "--limit", 1500, "--hidden", 32, 16,
                      "--activation", "tanh", "--optimizer", "sgd", "--learning-rate", 0.1,
                      "--batch-size", 64, "--seed", 1, "--validation-split", 0.2,
                      "--out", "small.glassnet", cwd=tmp_path)
    assert "Training on 1200 MNIST images, validating on 300; 2 epoch(s), batch size 64" \
        in result.stdout
    assert "Epoch 2/2" in result.stdout and "19/19" in result.stdout
    summary = glassnet("summary", "small.glassnet", cwd=tmp_path).stdout
    assert "(None, 32)" in summary and "(None, 16)" in summary and "(None, 10)" in summary
    from glassnet import load_model

    model = load_model(tmp_path / "small.glassnet")
    assert model.layers[1].activation.name == "tanh"
    assert model.optimizer.name == "sgd" and model.optimizer.learning_rate == pytest.approx(0.1)
    # the same seed gives the same model, bit for bit
    glassnet("train", "--epochs", 2, "--limit", 1500, "--hidden", 32, 16, "--activation",
             "tanh", "--optimizer", "sgd", "--learning-rate", 0.1, "--batch-size", 64,
             "--seed", 1, "--validation-split", 0.2, "--out", "again.glassnet", cwd=tmp_path)
    again = load_model(tmp_path / "again.glassnet")
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_evaluate_and_summary(trained, capsys):
    folder, result = trained
    model = folder / "model.glassnet"
    out = glassnet("evaluate", model).stdout
    accuracy = float(re.search(r"on 10000 MNIST test images: accuracy: (0\.\d+)", out).group(1))
    assert f"Test accuracy: {accuracy:.4f}" in result.stdout  # same model, same number
    assert main(["evaluate", str(model), "--limit", "100"]) == 0
    assert "on 100 MNIST test images" in capsys.readouterr().out
    assert main(["summary", str(model)]) == 0
    summary = capsys.readouterr().out
    assert "101,770" in summary and "dense" in summary and "flatten" in summary


def test_predict_drawn_digits(trained, drawn_digits, tmp_path):
    folder, _ = trained
    paths, labels = drawn_digits
    result = glassnet("predict", folder / "model.glassnet", *paths, "--show",
                      tmp_path / "seen.png")
    lines = [line for line in result.stdout.splitlines() if line.startswith(str(paths[0])[:-5])]
    assert len(lines) == len(paths)
    right = 0
    for path, label, line in zip(paths, labels, lines):
        assert line.startswith(f"{path}: ")
        top = re.findall(r"(\d) \((\d+\.\d)%\)", line)
        assert len(top) == 3
        probs = [float(p) for _, p in top]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 100.1
        right += int(top[0][0]) == label
    assert right >= 17, result.stdout
    from PIL import Image

    for i in range(1, len(paths) + 1):
        shown = tmp_path / f"seen-{i}.png"
        assert shown.read_bytes()[:8] == PNG
        with Image.open(shown) as img:
            assert img.size == (28, 28)


def test_predict_one_image_show(trained, drawn_digits, tmp_path):
    folder, _ = trained
    paths, labels = drawn_digits
    out = tmp_path / "seen.png"
    result = glassnet("predict", folder / "model.glassnet", paths[0], "--show", out)
    assert f"The model saw: {out}" in result.stdout
    from PIL import Image

    with Image.open(out) as img:
        seen = np.asarray(img)
    assert seen.shape == (28, 28)
    _, (xt, _) = mnist.load_data()
    assert np.corrcoef(seen.ravel(), xt[0].ravel())[0, 1] > 0.8


def test_report_command_without_history(trained, tmp_path):
    folder, _ = trained
    result = glassnet("report", folder / "model.glassnet", tmp_path / "r", "--limit", 200)
    assert "no loss/accuracy curves" in result.stdout
    html = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "curves.png" not in html and "weights.png" in html
    # with the history that train recorded, the curves come back
    glassnet("report", folder / "model.glassnet", tmp_path / "r2", "--limit", 200,
             "--history", folder / "report" / "history.json")
    assert (tmp_path / "r2" / "curves.png").read_bytes()[:8] == PNG


def test_robustness_accuracy_falls_with_epsilon(trained):
    folder, _ = trained
    result = glassnet("robustness", folder / "model.glassnet", "--eps", 0.1, 0.05, 0.2,
                      "--limit", 1000)
    rows = re.findall(r"^\s*([\d.]+)\s+(0\.\d{4}|1\.0000)", result.stdout, re.M)
    assert [float(e) for e, _ in rows] == [0, 0.05, 0.1, 0.2]
    accuracies = [float(a) for _, a in rows]
    assert "(clean)" in result.stdout.splitlines()[2]
    assert accuracies[0] > 0.85
    assert all(a > b for a, b in zip(accuracies, accuracies[1:])), result.stdout
    assert accuracies[-1] < 0.2


def test_export_to_onnx(trained, tmp_path):
    pytest.importorskip("onnx")
    folder, _ = trained
    result = glassnet("export", folder / "model.glassnet", tmp_path / "model.onnx")
    assert "Exported" in result.stdout
    assert (tmp_path / "model.onnx").stat().st_size > 100_000


def test_cnn_trains_with_its_learning_rate_schedule(tmp_path):
    result = glassnet("train", "--model", "cnn", "--epochs", 2, "--limit", 300,
                      "--out", "cnn.glassnet", cwd=tmp_path)
    assert "Test accuracy" in result.stdout
    model = load_model(tmp_path / "cnn.glassnet")
    schedule = model.optimizer.schedule
    assert schedule.initial_learning_rate == 0.004
    assert schedule.decay_steps == 2 * 3  # 2 epochs of ceil(300 / 128) batches
    assert model.optimizer.iterations == 6 and model.optimizer.learning_rate == 0.0


# -- errors: one clear line, exit status 2 -------------------------------------------------------
def test_missing_and_broken_model_files(tmp_path):
    assert_clean_error(glassnet("evaluate", tmp_path / "nope.glassnet", check=False),
                       "model file not found", "nope.glassnet")
    bad = tmp_path / "bad.glassnet"
    bad.write_bytes(b"not a zip file")
    for command in ("evaluate", "summary", "robustness"):
        assert_clean_error(glassnet(command, bad, check=False), "not a glassnet model file")
    assert_clean_error(glassnet("report", bad, tmp_path / "r", check=False),
                       "not a glassnet model file")


def test_bad_images(trained, tmp_path):
    folder, _ = trained
    model = folder / "model.glassnet"
    assert_clean_error(glassnet("predict", model, tmp_path / "none.png", check=False),
                       "image not found", "none.png")
    text = tmp_path / "notes.png"
    text.write_text("hello")
    assert_clean_error(glassnet("predict", model, text, check=False), "notes.png",
                       "not an image file")
    from PIL import Image

    Image.new("L", (60, 60), 255).save(tmp_path / "blank.png")
    assert_clean_error(glassnet("predict", model, tmp_path / "blank.png", check=False),
                       "blank.png", "no digit found")


def test_missing_optional_packages_name_the_extra(trained, drawn_digits, tmp_path):
    folder, _ = trained
    paths, _ = drawn_digits
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "PIL.py").write_text("raise ImportError('blocked for a test')\n")
    (blocker / "matplotlib.py").write_text("raise ImportError('blocked for a test')\n")
    # the blocker first, then the glassnet under test (PYTHONPATH=src in a worktree)
    env = {**ENV, "PYTHONPATH": os.pathsep.join(filter(None, [str(blocker),
                                                              ENV.get("PYTHONPATH")]))}
    result = glassnet("predict", folder / "model.glassnet", paths[0], env=env, check=False)
    assert_clean_error(result, "pip install pillow", 'pip install ".[image]"')
    result = glassnet("report", folder / "model.glassnet", tmp_path / "r", env=env, check=False)
    assert_clean_error(result, "pip install matplotlib", 'pip install ".[plot]"')
    result = glassnet("train", "--limit", 100, "--epochs", 1, "--report", tmp_path / "r",
                      "--out", tmp_path / "m.glassnet", env=env, check=False)
    assert_clean_error(result, "pip install matplotlib", 'pip install ".[plot]"')
    assert not (tmp_path / "m.glassnet").exists()  # it stopped before training


def test_bad_arguments(tmp_path):
    result = glassnet("train", "--optimizer", "adamm", "--limit", 100, cwd=tmp_path,
                      check=False)
    assert_clean_error(result, "Unknown optimizer 'adamm'", "Did you mean 'adam'")
    result = glassnet("train", "--activation", "rleu", "--limit", 100, cwd=tmp_path,
                      check=False)
    assert_clean_error(result, "Unknown activation 'rleu'")
    for args in (("train", "--hidden", "0"), ("train", "--validation-split", "1.5"),
                 ("robustness", "m.glassnet", "--eps", "2"), ()):
        result = glassnet(*args, cwd=tmp_path, check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not list(Path(tmp_path).glob("*.glassnet"))
