"""A newcomer's first hour (issue 14): each model its own file, output paths checked
before training, files diagnosed by what they are, ``import glassnet`` enough."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import glassnet
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


# -- item 7: the silent mistakes of the API, and item 8's misspelt file name ---------------
def _classifier(activation="softmax", loss="sparse_categorical_crossentropy", optimizer="adam",
                units=3):
    import glassnet as gn

    model = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(8, activation="relu"),
                           gn.layers.Dense(units, activation=activation)])
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


X4 = np.random.default_rng(0).random((48, 4)).astype(np.float32)
Y3 = np.arange(48) % 3


def test_epochs_zero_trains_nothing_as_in_keras_but_says_so():
    with pytest.warns(UserWarning, match=r"fit\(epochs=0, initial_epoch=0\) trains for no "
                                         r"epoch.*epochs=5"):
        history = _classifier().fit(X4, Y3, epochs=0, verbose=0)
    assert history.history == {}  # Keras's result


@pytest.mark.parametrize("epochs, fix", [("5", "epochs=5"), (2.5, "epochs=2, epochs=3"),
                                         (None, "epochs=5"), (3.0, "epochs=3")])
def test_epochs_that_are_not_a_whole_number_are_named(epochs, fix):
    with pytest.raises(TypeError, match=rf"fit\(epochs={epochs!r}\).*whole number.*{fix}"):
        _classifier().fit(X4, Y3, epochs=epochs, verbose=0)


def test_verbose_takes_keras_values_only():
    with pytest.raises(ValueError, match=r"verbose='loud': use verbose='auto', 0 .*, 1 .* or 2"):
        _classifier().fit(X4, Y3, epochs=1, verbose="loud")
    for ok in ("auto", 0, 1, 2, True, np.int64(0)):
        _classifier().fit(X4[:8], Y3[:8], epochs=1, verbose=ok)
    for method in ("evaluate", "predict"):
        with pytest.raises(ValueError, match=r"verbose='loud': use verbose='auto'"):
            getattr(_classifier(), method)(X4, *(() if method == "predict" else (Y3,)),
                                           verbose="loud")


def test_validation_data_must_be_a_pair():
    model = _classifier()
    with pytest.raises(ValueError, match=r"validation_data must be a pair \(x_val, y_val\).*"
                                         r"validation_data=\(x_test, y_test\).*one array of "
                                         r"shape \(48, 4\)"):
        model.fit(X4, Y3, epochs=1, verbose=0, validation_data=X4)
    # a list, as Keras accepts, and a triple with sample weights
    h = model.fit(X4, Y3, epochs=1, verbose=0, validation_data=[X4, Y3])
    assert "val_loss" in h.history
    h = model.fit(X4, Y3, epochs=1, verbose=0, validation_data=(X4, Y3, np.ones(48)))
    assert "val_loss" in h.history


def test_a_callback_that_is_not_a_callback_is_named():
    import glassnet as gn

    with pytest.raises(TypeError, match=r"callbacks holds print, which is not a Callback.*"
                                        r"LambdaCallback\(on_epoch_end="):
        _classifier().fit(X4, Y3, epochs=1, verbose=0, callbacks=[print])
    seen = []
    one = gn.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    _classifier().fit(X4, Y3, epochs=2, verbose=0, callbacks=one)  # one alone, as in Keras
    assert seen == [0, 1]


def test_softmax_output_with_from_logits_warns_as_keras_does():
    import glassnet as gn

    logits = gn.losses.SparseCategoricalCrossentropy(from_logits=True)
    with pytest.warns(UserWarning, match=r"received from_logits=True, but the output of layer "
                                         r"'.*' is produced by a softmax activation.*Was this "
                                         r"intended\?"):
        _classifier(loss=logits).fit(X4, Y3, epochs=1, verbose=0)  # Keras: at the first fit
    with pytest.warns(UserWarning, match="sigmoid activation"):
        _classifier(activation="sigmoid", loss=gn.losses.BinaryCrossentropy(
            from_logits=True), units=1).fit(X4, Y3 % 2, epochs=1, verbose=0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _classifier(activation=None, loss=logits).fit(X4, Y3, verbose=0)  # logits: right
        _classifier().fit(X4, Y3, verbose=0)  # softmax without from_logits: right


@pytest.mark.parametrize("rate", [-0.001, float("nan"), float("inf")])
def test_a_learning_rate_that_is_not_a_step_size_is_refused(rate):
    import glassnet as gn

    with pytest.raises(ValueError, match=r"Adam\(learning_rate=.*\): the learning rate .* "
                                         r"must be a positive number"):
        gn.optimizers.Adam(learning_rate=rate)
    sgd = gn.optimizers.SGD(0.01)
    with pytest.raises(ValueError, match=r"SGD\(learning_rate="):
        sgd.learning_rate = rate
    assert gn.optimizers.SGD(learning_rate=0).learning_rate == 0  # 0 freezes, as in Keras


def test_a_diverging_fit_warns():
    import glassnet as gn
    from glassnet.fit_arguments import DivergenceWarning

    with pytest.warns(DivergenceWarning, match=r"training diverged.*learning rate \(1e\+09\) "
                                               r"is almost certainly too large"):
        _classifier(optimizer=gn.optimizers.Adam(learning_rate=1e9)).fit(
            X4, Y3, epochs=2, batch_size=8, verbose=0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        _classifier().fit(X4, Y3, epochs=2, batch_size=8, verbose=0)  # a sane rate: quiet


def test_a_diverging_cli_run_warns_in_one_line(tiny_mnist, capsys):
    assert cli.main(["train", "--epochs", "1", "--learning-rate", "1e9"]) == 0
    err = capsys.readouterr().err
    assert "glassnet: warning: The training loss ended at" in err
    assert "learning rate (1e+09) is almost certainly too large" in err


def test_cli_epochs_must_be_a_whole_number(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--epochs", "2.5"])
    assert "argument --epochs: expected a whole number, got '2.5'" in capsys.readouterr().err


def test_load_model_of_a_misspelt_name_names_the_file_meant(tmp_path, monkeypatch, capsys):
    import glassnet as gn
    from glassnet.errors import ModelNotFoundError

    monkeypatch.chdir(tmp_path)
    gn.Sequential([gn.layers.Input((3,)), gn.layers.Dense(2)]).save("model.glassnet")
    with pytest.raises(ModelNotFoundError, match=r"^No such file: modle\.glassnet — did you "
                                                 r"mean model\.glassnet\?$") as info:
        gn.keras.models.load_model("modle.glassnet")
    assert isinstance(info.value, FileNotFoundError) and info.value.filename == "modle.glassnet"
    with pytest.raises(FileNotFoundError, match=r"No such file: elsewhere\.glassnet \(in the "
                                                r"folder "):
        gn.models.load_model("elsewhere.glassnet")
    assert cli.main(["evaluate", "modle.glassnet"]) == 2
    assert "did you mean model.glassnet?" in capsys.readouterr().err


# -- items 3 and 4: set-up from nothing, and load_digit, in the documents ----------------------
def test_the_readmes_set_up_from_nothing():
    """A virtual environment, how to get the folder, and what each step installs."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for doc in ("README.md", "README.zh-CN.md"):
        text = (root / doc).read_text(encoding="utf-8")
        for needed in ("python3 -m venv .venv", "source .venv/bin/activate",
                       ".venv\\Scripts\\activate", "externally-managed-environment",
                       "git clone", "45 MB", "500 MB", 'pip install ".[image]"'):
            assert needed in text, (doc, needed)


def test_no_hint_installs_glassnet_from_a_package_index():
    """glassnet is not on PyPI: ``pip install glassnet[extra]`` fails; the hints name the
    package itself, or ``".[extra]"`` in the glassnet folder."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [*(root / "src" / "glassnet").rglob("*.py"), *root.glob("*.md"),
             *(root / "docs").glob("*.md")]
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if re.search(r"pip install ['\"]?glassnet\[", line):
                pytest.fail(f"{file.relative_to(root)}: {line.strip()}")


@pytest.mark.parametrize("doc", ["README.md", "README.zh-CN.md", "docs/tutorial.md",
                                 "docs/tutorial.zh-CN.md"])
def test_load_digit_has_a_worked_example(doc):
    """Every document shows load_digit on a saved photo, then predict on what it returns
    (tests/test_docs.py runs the block; tests/test_tutorial_commands.py the command line)."""
    from test_docs import python_blocks

    code = next((b.code for b in python_blocks(doc) if "load_digit(" in b.code), "")
    assert 'load_digit("my_digit.png")' in code and "model.predict(digit[None]" in code, doc


def test_a_dataset_is_accepted_as_validation_data():
    """validation_data=val_dataset (a batched, repeated tf.data.Dataset) is Keras's other
    form, not the mistake validation_data=x_test (zh_czy_001_keras_overview)."""
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 4)).astype("float32"), rng.integers(0, 2, 64)
    data = glassnet.data.Dataset.from_tensor_slices((x, y)).batch(16).repeat()
    val = glassnet.data.Dataset.from_tensor_slices((x[:32], y[:32])).batch(16).repeat()
    model = glassnet.keras.Sequential([glassnet.keras.Input((4,)),
                                       glassnet.keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(data, epochs=1, steps_per_epoch=4, validation_data=val,
                        validation_steps=2, verbose=0)
    assert "val_loss" in history.history
