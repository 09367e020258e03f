"""A newcomer's first hour (issue 14): each model its own file, output paths checked
before training, files diagnosed by what they are, ``import glassnet`` enough."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from glassnet import cli
from glassnet.filetype import describe


@pytest.fixture
def tiny_mnist(monkeypatch, tmp_path):
    """``glassnet train`` on 64 images, tested on 32: each run takes a fraction of a second."""
    from glassnet.datasets import mnist

    (x, y), (xt, yt) = mnist.load_data()
    monkeypatch.setattr(cli, "_load_mnist", lambda: ((x[:64], y[:64]), (xt[:32], yt[:32])))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cnn_saves_to_cnn_glassnet_by_default(tiny_mnist):
    assert cli.main(["train", "--model", "cnn", "--epochs", "1"]) == 0
    assert (tiny_mnist / "cnn.glassnet").is_file()
    assert not (tiny_mnist / "model.glassnet").exists()
    assert cli.main(["train", "--epochs", "1"]) == 0
    assert (tiny_mnist / "model.glassnet").is_file()


def test_train_keeps_an_existing_model_unless_overwrite(tiny_mnist, capsys):
    (tiny_mnist / "model.glassnet").write_bytes(b"an earlier model")
    assert cli.main(["train", "--epochs", "1"]) == 2
    err = capsys.readouterr()
    assert "--out model.glassnet already holds a model" in err.err and "--overwrite" in err.err
    assert "Training on" not in err.out
    assert (tiny_mnist / "model.glassnet").read_bytes() == b"an earlier model"
    assert cli.main(["train", "--epochs", "1", "--overwrite"]) == 0
    assert (tiny_mnist / "model.glassnet").read_bytes()[:2] == b"PK"


def test_output_paths_are_checked_before_training(tiny_mnist, capsys):
    (tiny_mnist / "existing_dir").mkdir()
    (tiny_mnist / "notes.txt").write_text("my notes")
    for args, fragment in ((["--out", "existing_dir"], "--out existing_dir is a folder"),
                           (["--out", "m.glassnet", "--report", "notes.txt"],
                            "--report notes.txt is a file, not a folder")):
        assert cli.main(["train", "--epochs", "1", *args]) == 2
        out = capsys.readouterr()
        assert fragment in out.err and ".tmp-" not in out.err
        assert "Training on" not in out.out
    assert (tiny_mnist / "notes.txt").read_text() == "my notes"
    # a missing folder is created, as Keras's model.save does
    assert cli.main(["train", "--epochs", "1", "--out", "no_such_dir/m.glassnet"]) == 0
    assert (tiny_mnist / "no_such_dir" / "m.glassnet").is_file()


def test_model_save_creates_a_missing_folder(tmp_path):
    import glassnet as gn

    model = gn.Sequential([gn.layers.Input((3,)), gn.layers.Dense(2)])
    model.save(tmp_path / "a" / "b" / "m.glassnet")
    assert gn.load_model(tmp_path / "a" / "b" / "m.glassnet").count_params() == 8


def test_report_never_draws_another_models_history(tiny_mnist, capsys, monkeypatch):
    import json

    from glassnet import report

    def write_report(model, out_dir, history=None, **kwargs):  # the figures take seconds
        (tiny_mnist / out_dir).mkdir(exist_ok=True)
        if history is not None:
            history = getattr(history, "history", history)
            (tiny_mnist / out_dir / "history.json").write_text(json.dumps(history))
        print("curves" if history else "no loss/accuracy curves")
        return "index.html"

    monkeypatch.setattr(report, "write_report", write_report)
    monkeypatch.setattr(report, "_matplotlib", lambda: None)
    assert cli.main(["train", "--epochs", "1", "--report", "r", "--out", "a.glassnet"]) == 0
    assert cli.main(["train", "--epochs", "1", "--model", "cnn"]) == 0
    capsys.readouterr()
    assert cli.main(["report", "cnn.glassnet", "r", "--limit", "16"]) == 0
    out = capsys.readouterr().out
    assert "recorded while training another model" in out and "no loss/accuracy" in out
    assert cli.main(["report", "a.glassnet", "r", "--limit", "16"]) == 0
    out = capsys.readouterr().out
    assert "another model" not in out and "curves" in out


def test_files_are_diagnosed_by_what_they_are(tmp_path):
    (tmp_path / "keras.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    (tmp_path / "digit.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (tmp_path / "model.glassnet").write_bytes(b"PK\x03\x04")
    (tmp_path / "folder").mkdir()
    assert "is a Keras HDF5 file" in describe(tmp_path / "keras.h5", "a glassnet model")
    assert "is a PNG image, not a glassnet model — did you swap the arguments?" in describe(
        tmp_path / "digit.png", "a glassnet model")
    assert "is a folder" in describe(tmp_path / "folder", "a glassnet model")
    missing = describe(tmp_path / "modle.glassnet", "a glassnet model")
    assert missing.startswith("no such file") and missing.endswith("model.glassnet?")
    assert describe(tmp_path / "model.glassnet", "a glassnet model") is None
    assert describe(tmp_path / "keras.h5", "a glassnet model", images_only=True) is None


def test_a_keras_h5_file_is_named_when_it_cannot_be_read(tmp_path, capsys):
    (tmp_path / "keras.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    assert cli.main(["evaluate", str(tmp_path / "keras.h5")]) == 2
    assert "keras.h5 is a Keras HDF5 file (.h5), not a glassnet model" \
        in capsys.readouterr().err


def test_swapped_predict_arguments_are_named(tmp_path, capsys):
    (tmp_path / "digit.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert cli.main(["predict", str(tmp_path / "digit.png"), "model.glassnet"]) == 2
    assert "digit.png is a PNG image, not a glassnet model — did you swap the arguments?" \
        in capsys.readouterr().err


def test_predict_prints_photo_warnings_as_one_line(tiny_mnist, capsys):
    Image = pytest.importorskip("PIL.Image")
    from glassnet.datasets import mnist

    assert cli.main(["train", "--epochs", "1"]) == 0
    _, (xt, _) = mnist.load_data()
    photo = Image.new("L", (200, 200), 235)
    photo.paste(Image.fromarray(255 - xt[3]).resize((90, 90)), (140, 50))  # cut off
    photo.save(tiny_mnist / "cut.png")
    capsys.readouterr()
    assert cli.main(["predict", "model.glassnet", "cut.png"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["glassnet: warning: cut.png: the digit touches the edge of the image, so "
                   "part of it may be cut off and misread. Take the photo with a margin "
                   "around the digit."]


def test_import_glassnet_is_enough_for_the_optional_modules():
    code = ("import sys, glassnet as gn\n"
            "assert 'glassnet.inspect' not in sys.modules\n"
            "assert callable(gn.inspect.explain) and callable(gn.imaging.load_digit)\n"
            "assert gn.report.write_report\n"
            "assert 'inspect' in dir(gn)\n"
            "try:\n    gn.no_such_module\nexcept AttributeError as e:\n"
            "    assert 'no_such_module' in str(e)\nelse:\n    raise SystemExit(1)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_lazy_modules_keep_the_same_objects():
    import glassnet as gn
    from glassnet import inspect as ginspect

    assert gn.inspect is ginspect
    assert np.asarray(0).ndim == 0


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="POSIX named pipes")
def test_describing_a_named_pipe_does_not_block(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.glassnet")
    assert describe(tmp_path / "pipe.glassnet", "a glassnet model") is None
    from glassnet.filetype import sniff

    assert sniff(tmp_path / "pipe.glassnet") is None


def test_the_example_photo_is_read_as_a_3():
    pytest.importorskip("PIL")
    from pathlib import Path

    from glassnet import imaging
    from glassnet.datasets import mnist

    photo = Path(__file__).resolve().parents[1] / "examples" / "photo_of_a_3.jpg"
    seen = imaging.load_digit(photo)
    _, (xt, yt) = mnist.load_data()
    likeness = [np.corrcoef(seen.ravel(), imaging.prepare_digit(
        xt[yt == d][:50].mean(axis=0) / 255.0).ravel())[0, 1] for d in range(10)]
    assert np.argmax(likeness) == 3, likeness  # most like the average MNIST 3
