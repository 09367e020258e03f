"""The ``glassnet`` command, the progress lines and ``model.summary()`` in Chinese.

With ``GLASSNET_LANG=zh`` (or a ``zh`` locale) every ``--help`` page, argparse's own words,
the command's errors and printed lines, ``Epoch 1/5`` and the progress bar's units and the
summary's headings are Chinese; Keras's names (``Dense``, ``accuracy``, ``--epochs``) stay
as they are. With ``GLASSNET_LANG=en`` the text is the English it always was.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import progress, textwidth
from glassnet.cli import main
from glassnet.layers import Dense, Input

CJK = re.compile(r"[\u4e00-\u9fff]")
COMMANDS = ["train", "evaluate", "summary", "report", "predict", "robustness", "export",
            "playground"]
LANG_VARS = ("GLASSNET_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def lang(monkeypatch):
    def use(value: str) -> None:
        monkeypatch.setenv("GLASSNET_LANG", value)
    return use


def run_main(argv, capsys) -> tuple[int, str, str]:
    """``glassnet ARGV`` in this process: (exit status, stdout, stderr)."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # --help and argparse's errors
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def help_body(text: str) -> list[str]:
    """The lines of a help page after its usage block (which holds only option names)."""
    lines = text.splitlines()
    first_blank = lines.index("") if "" in lines else len(lines)
    return [line for line in lines[first_blank:] if line.strip()]


def prose(line: str) -> str:
    """``line`` without option names (``--batch-size``), metavars and file names."""
    return re.sub(r"--?[\w-]+|\S*[./]\S*|\b[A-Z_]{2,}\b", " ", line)


def english_lines(text: str) -> list[str]:
    """Help lines written in English: three lowercase words in a row once option names,
    metavars and file names are taken out. Chinese help has none: the code it quotes
    (``adam、sgd``, ``--model cnn``) never makes three words in a row."""
    return [line for line in help_body(text)
            if re.search(r"\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b", prose(line))]


def cjk_share(text: str) -> float:
    """Chinese characters among the letters of the help text after its usage block, not
    counting option names, metavars and file names."""
    body = prose(" ".join(help_body(text)))
    chinese = len(CJK.findall(body))
    return chinese / max(chinese + len(re.findall(r"[A-Za-z]", body)), 1)


def subcommands_listed(help_text: str) -> list[str]:
    """The commands ``glassnet --help`` lists (indented four spaces, first word)."""
    return [m.group(1) for m in re.finditer(r"^    ([a-z]+)\b", help_text, re.MULTILINE)]


# -- --help ----------------------------------------------------------------------------------
def test_the_list_of_commands_is_every_command(lang, capsys):
    lang("en")
    _, out, _ = run_main(["--help"], capsys)
    assert subcommands_listed(out) == COMMANDS


def test_the_english_help_is_caught_by_the_checks(lang, capsys):
    """The checks below can fail: on the English pages they find English."""
    lang("en")
    for argv in (["--help"], *([c, "--help"] for c in COMMANDS)):
        status, out, _ = run_main(argv, capsys)
        assert status == 0 and english_lines(out) and cjk_share(out) == 0, argv


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_page_is_chinese(command, lang, capsys):
    lang("zh")
    argv = ["--help"] if command is None else [command, "--help"]
    status, out, err = run_main(argv, capsys)
    assert status == 0 and not err
    assert out.startswith("用法：glassnet"), out
    assert "选项" in out and "显示这条帮助信息并退出" in out, out
    assert english_lines(out) == [], out
    assert cjk_share(out) > 0.5, (cjk_share(out), out)


def test_help_keeps_keras_names_and_options(lang, capsys):
    lang("zh")
    _, out, _ = run_main(["train", "--help"], capsys)
    for kept in ("--epochs", "--batch-size", "--model cnn", "Dense", "adam", "relu",
                 "model.glassnet", "matplotlib"):
        assert kept in out, (kept, out)


@pytest.mark.parametrize("command", ["train", "predict", "playground"])
def test_chinese_help_fits_the_terminal(command, lang, capsys, monkeypatch):
    """Wrapped by display width: a Chinese character takes two columns."""
    lang("zh")
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = run_main([command, "--help"], capsys)
    too_wide = [line for line in out.splitlines() if textwidth.width(line) > 60]
    assert too_wide == [], out


def test_the_command_speaks_chinese_in_a_chinese_locale():
    """``glassnet --help`` as a user runs it, with a zh_CN system locale and no
    GLASSNET_LANG (the tests above set GLASSNET_LANG in this process)."""
    env = {k: v for k, v in os.environ.items() if k not in LANG_VARS}
    result = subprocess.run([sys.executable, "-m", "glassnet", "--help"], capture_output=True,
                            text=True, env={**env, "LANG": "zh_CN.UTF-8"}, check=True)
    assert result.stdout.startswith("用法：glassnet") and "位置参数" in result.stdout
    assert "在 MNIST 上训练一个网络并保存" in result.stdout, result.stdout


def test_english_help_is_unchanged(lang, capsys):
    lang("en")
    _, out, _ = run_main(["train", "--help"], capsys)
    assert out.startswith("usage: glassnet train") and not CJK.search(out)
    assert "--epochs EPOCHS       passes over the data (5)" in out
    assert "positional arguments" in run_main(["evaluate", "--help"], capsys)[1]


def test_argparse_speaks_english_again_after_the_command(lang, capsys):
    lang("zh")
    run_main(["--help"], capsys)
    argparse.ArgumentParser(prog="other").print_help()
    assert capsys.readouterr().out.startswith("用法：") is False


# -- errors and printed lines ----------------------------------------------------------------
@pytest.mark.parametrize("argv, chinese, kept", [
    (["命令"], "无效的选择：'命令'", "'train', 'evaluate'"),
    (["train", "--epochs", "0"], "必须是正数，实际收到的是 0", "--epochs"),
    (["train", "--validation-split", "1.5"], "必须在 [0, 1) 之间", "--validation-split"),
    (["train", "--bogus"], "无法识别的参数", "--bogus"),
    (["evaluate"], "缺少必需的参数", "model"),
    (["playground", "--port", "99999"], "端口号必须在 0 到 65535 之间", "99999"),
])
def test_argument_errors_are_chinese(argv, chinese, kept, lang, capsys):
    lang("zh")
    status, _, err = run_main(argv, capsys)
    assert status == 2 and "glassnet" in err and chinese in err and kept in err, err


def test_a_command_error_is_one_chinese_line(lang, capsys, tmp_path):
    lang("zh")
    status, _, err = run_main(["evaluate", str(tmp_path / "nope.glassnet")], capsys)
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith("glassnet：错误：找不到模型文件") and "glassnet train --out" in err, err
    lang("en")
    _, _, err = run_main(["evaluate", str(tmp_path / "nope.glassnet")], capsys)
    assert err.startswith("glassnet: error: model file not found") and not CJK.search(err)


def test_output_path_checks_are_chinese(lang, capsys, tmp_path):
    lang("zh")
    status, _, err = run_main(["train", "--report", str(tmp_path), "--out", str(tmp_path)],
                              capsys)
    assert status == 2 and f"--out {tmp_path} 是一个文件夹，不是可以保存模型的文件" in err, err


def test_summary_command_prints_a_chinese_table(lang, capsys, tmp_path):
    model = glassnet.Sequential([Input(shape=(4,)), Dense(3)])
    model.save(tmp_path / "m.glassnet")
    lang("zh")
    status, out, _ = run_main(["summary", str(tmp_path / "m.glassnet")], capsys)
    assert status == 0 and "参数总数：15" in out and "(Dense)" in out, out


# -- progress lines --------------------------------------------------------------------------
def finished_line(verbose: int) -> str:
    stream = io.StringIO()
    bar = progress.Progbar(40, verbose=verbose, stream=stream)
    bar.update(40, {"accuracy": 0.9261, "loss": 0.2567}, finalize=True)
    return stream.getvalue()


def test_a_progress_line_in_chinese_keeps_the_metric_names(lang):
    lang("zh")
    line = finished_line(1)
    assert re.fullmatch(r"40/40 ━{20} \d+秒 \d+(毫秒|微秒|秒)/步 - accuracy: 0\.9261 - "
                        r"loss: 0\.2567\n", line), line
    assert re.fullmatch(r"40/40 - \d+秒 - \d+(毫秒|微秒|秒)/步 - accuracy: 0\.9261 - "
                        r"loss: 0\.2567\n", finished_line(2)), finished_line(2)
    lang("en")
    assert re.fullmatch(r"40/40 ━{20} \d+s \d+(ms|us|s)/step - accuracy: 0\.9261 - "
                        r"loss: 0\.2567\n", finished_line(1)), finished_line(1)


def tiny_model():
    model = glassnet.Sequential([Input(shape=(4,)), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_fit_prints_chinese_epochs_and_keras_history_keys(lang, capsys):
    x = np.random.default_rng(0).random((32, 4)).astype(np.float32)
    y = np.arange(32) % 3
    lang("zh")
    history = tiny_model().fit(x, y, epochs=2, batch_size=8, validation_split=0.25)
    out = capsys.readouterr().out
    assert "第 1/2 轮" in out and "第 2/2 轮" in out and "Epoch" not in out, out
    assert "/步 - accuracy: " in out and " - val_loss: " in out, out
    assert set(history.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    lang("en")
    tiny_model().fit(x, y, epochs=1, batch_size=8)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "/step - accuracy: " in out and not CJK.search(out), out


def test_the_words_are_looked_up_once_per_bar_not_per_step(lang, monkeypatch, capsys):
    """fit's speed: the number of look-ups does not grow with the number of batches."""
    lookups = []
    translate = progress._

    def counting(message):
        lookups.append(message)
        return translate(message)

    monkeypatch.setattr(progress, "_", counting)
    lang("zh")
    x = np.random.default_rng(0).random((400, 4)).astype(np.float32)
    y = np.arange(400) % 3
    counts = []
    for batch_size in (200, 4):  # 2 and 100 steps per epoch
        lookups.clear()
        tiny_model().fit(x, y, epochs=2, batch_size=batch_size)
        counts.append(len(lookups))
    capsys.readouterr()
    assert counts[0] == counts[1] and 0 < counts[0] <= 2 * 4, counts


def test_callback_messages_are_chinese(lang, capsys):
    x = np.random.default_rng(0).random((16, 4)).astype(np.float32)
    y = np.arange(16) % 3
    lang("zh")
    stop = glassnet.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10,
                                            verbose=1)
    tiny_model().fit(x, y, epochs=3, verbose=0, callbacks=[stop])
    assert "第 2 轮：提前停止（early stopping）" in capsys.readouterr().out


# -- model.summary() -------------------------------------------------------------------------
def summary_lines(model) -> list[str]:
    from glassnet.model_summary import summary_text

    return summary_text(model).splitlines()


def graph_model():
    a = Input(shape=(4,), name="像素")
    b = Dense(2, name="隐藏层")(a)
    return glassnet.Model(a, glassnet.layers.Concatenate()([a, b]))


@pytest.mark.parametrize("make", [lambda: glassnet.Sequential(
    [Input(shape=(4,)), Dense(8, name="隐藏层"), Dense(3)]), graph_model])
def test_the_chinese_summary_is_aligned(make, lang):
    lang("zh")
    lines = summary_lines(make())
    assert lines[0].startswith("模型：")
    header = lines[2]
    for heading in ("层（类型）", "输出形状", "参数个数"):
        assert heading in header, header
    table = [line for line in lines if line[:1] in "┏┃┡│├└"]
    assert len({textwidth.width(line) for line in table}) == 1, "\n".join(lines)
    # the column borders sit in the same columns on every line
    columns = {tuple(i for i, ch in enumerate(_cells(line)[1:-1]) if ch in "┃│┳┼╇┴")
               for line in table}
    assert len(columns) == 1, "\n".join(lines)
    assert lines[-3].startswith(" 参数总数：") and lines[-2].startswith(" 可训练的参数：")
    assert lines[-1].startswith(" 不可训练的参数：0")


def _cells(line: str) -> str:
    """``line`` with each wide character as two cells, to find the columns of its borders."""
    return "".join(ch * textwidth.width(ch) for ch in line)


def test_the_english_summary_is_unchanged(lang):
    lang("en")
    lines = summary_lines(glassnet.Sequential([Input(shape=(4,)), Dense(3)]))
    assert lines[0] == 'Model: "sequential"' or lines[0].startswith('Model: "sequential')
    assert "Layer (type)" in lines[2] and "Param #" in lines[2]
    assert lines[-3:] == [" Total params: 15 (60.00 B)", " Trainable params: 15 (60.00 B)",
                          " Non-trainable params: 0 (0.00 B)"]


# -- display width ---------------------------------------------------------------------------
def test_display_width_counts_chinese_characters_twice():
    assert textwidth.width("Param #") == 7
    assert textwidth.width("参数个数") == 8
    assert textwidth.width("（默认 5）") == 10
    assert textwidth.pad("参数", 6) == "参数  " and textwidth.pad("参数", 6, ">") == "  参数"
    assert textwidth.pad("参数个数", 2) == "参数个数"


def test_wrap_breaks_between_chinese_characters_but_not_inside_options():
    text = "批大小：每一步梯度下降用多少张图片（默认 32；用 --batch-size 时为 128），句号。"
    for columns in range(12, 40):
        lines = textwidth.wrap(text, columns)
        assert all(textwidth.width(line) <= columns for line in lines), (columns, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert any("--batch-size" in line for line in lines)
        assert not any(line[0] in "，。）；" or line[-1] == "（" for line in lines), lines
    assert textwidth.wrap("one two three", 7) == ["one two", "three"]


# -- nothing left in English -----------------------------------------------------------------
PACKAGE = Path(glassnet.__file__).parent
#: Modules whose printed lines, errors and --help texts are all wrapped in _() (the
#: playground server's errors are answers to its web page, which has its own languages).
WRAPPED = ["cli.py", "playground/__init__.py", "progress.py", "model_summary.py", "callbacks.py"]


def _has_words(node) -> bool:
    """An expression that writes English in place: a string literal, f-string part, sum or
    ``"...".format(...)`` with a word of two letters or more (``_("...")`` is not)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search(r"[A-Za-z]{2,}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _has_words(node.left) or _has_words(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "format":
        return _has_words(node.func.value)
    return False


def unwrapped_text(source: str) -> list[int]:
    """Lines of ``print(...)``, ``raise Error(...)`` and argparse's ``help=``/``description=``
    whose text is written in place instead of through ``_()``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        texts = []
        if name == "print" or name.endswith(("Error", "Exception")):
            texts = node.args
        texts += [k.value for k in node.keywords if k.arg in ("help", "description")]
        if any(_has_words(text) for text in texts):
            found.append(node.lineno)
    return found


def test_the_unwrapped_text_check_can_fail():
    source = ("print(f'Saved to {path}')\nprint(_('Saved to {path}').format(path=p))\n"
              "raise CommandError('no such file: ' + path)\n"
              "p.add_argument('--x', help='a help text')\nprint(f'{path}: ')\n")
    assert unwrapped_text(source) == [1, 3, 4]


@pytest.mark.parametrize("module", WRAPPED)
def test_every_printed_line_error_and_help_text_is_wrapped(module):
    assert unwrapped_text((PACKAGE / module).read_text(encoding="utf-8")) == []
