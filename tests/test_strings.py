"""``tf.strings`` and ``tf.ragged`` basics, with TensorFlow's semantics (the values in the
comments are what TensorFlow 2 gives)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import glassnet as tf


def test_length_counts_utf8_bytes_unless_told_characters():
    assert tf.strings.length(["ab", "アヒ"]).numpy().tolist() == [2, 6]
    assert tf.strings.length(["ab", "アヒ"], unit="UTF8_CHAR").numpy().tolist() == [2, 2]
    assert tf.strings.length(tf.constant("hello")).numpy() == 5
    assert tf.strings.length(tf.constant("hello")).dtype == np.int32


def test_format_writes_values_as_tf_print_does():
    assert tf.strings.format("{}", tf.constant(7)).numpy() == "7"
    assert tf.strings.format("0{}", 7).numpy() == "07"
    assert tf.strings.format("a={} b={}", [tf.constant(1.5), tf.constant([1, 2])]).numpy() \
        == "a=1.5 b=[1 2]"
    with pytest.raises(ValueError, match="2 placeholder"):
        tf.strings.format("{} {}", [1])


def test_join_and_reduce_join():
    assert tf.strings.join(["10", "05", "09"], separator=":").numpy() == "10:05:09"
    joined = tf.strings.join([tf.constant(["a", "b"]), "x"], separator="-")  # broadcast
    assert joined.numpy().tolist() == ["a-x", "b-x"]
    assert tf.strings.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator=",").numpy() \
        .tolist() == ["a,b", "c,d"]
    assert tf.strings.reduce_join(["a", "b", "c"]).numpy() == "abc"


def test_the_clock_helper_of_eat_tensorflow2_in_30_days(capsys):
    """The printbar of eat_tensorflow2_in_30_days: timestamp, cast, floor, %, //, format,
    length, join, +, tf.print."""
    today_ts = tf.timestamp() % (24 * 60 * 60)
    hour = tf.cast(today_ts // 3600 + 8, tf.int32) % tf.constant(24)
    minute = tf.cast((today_ts % 3600) // 60, tf.int32)
    second = tf.cast(tf.floor(today_ts % 60), tf.int32)

    def timeformat(m):
        if tf.strings.length(tf.strings.format("{}", m)) == 1:
            return tf.strings.format("0{}", m)
        return tf.strings.format("{}", m)

    timestring = tf.strings.join([timeformat(hour), timeformat(minute), timeformat(second)],
                                 separator=":")
    tf.print("==========" * 8 + timestring)
    printed = capsys.readouterr().err.strip()
    assert re.fullmatch(r"={80}\d\d:\d\d:\d\d", printed), printed
    h, m, s = map(int, printed[80:].split(":"))
    assert 0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60


def test_split_to_number_and_ragged_rows():
    assert tf.strings.split(tf.constant("Gray wolf"), sep=" ").numpy().tolist() == \
        ["Gray", "wolf"]
    rows = tf.strings.split(tf.constant(["Gray wolf", "Quick brown fox", "Lazy dog"]))
    assert isinstance(rows, tf.RaggedTensor)
    assert rows.to_list() == [["Gray", "wolf"], ["Quick", "brown", "fox"], ["Lazy", "dog"]]
    assert rows.shape.as_list() == [3, None]
    numbers = tf.strings.to_number(tf.strings.split(tf.constant("1 10 100"), " "))
    assert numbers.dtype == np.float32 and numbers.numpy().tolist() == [1.0, 10.0, 100.0]
    ints = tf.strings.to_number(["3", "-4"], out_type=tf.int32)
    assert ints.numpy().tolist() == [3, -4] and ints.dtype == np.int32


def test_ragged_constant_basics():
    r = tf.ragged.constant([[0, 1, 2, 3], [4, 5], [6, 7, 8], [9]])
    assert r.row_lengths().numpy().tolist() == [4, 2, 3, 1]
    assert r.row_splits.numpy().tolist() == [0, 4, 6, 9, 10]
    assert r[1].numpy().tolist() == [4, 5]
    np.testing.assert_array_equal(r.to_tensor().numpy()[1], [4, 5, 0, 0])
    assert repr(r) == "<tf.RaggedTensor [[0, 1, 2, 3], [4, 5], [6, 7, 8], [9]]>"


def test_case_strip_regex_substr_unicode():
    assert tf.strings.upper("abc").numpy() == "ABC"
    assert tf.strings.strip(tf.constant("  a b ")).numpy() == "a b"
    assert tf.strings.regex_replace("a1b22", r"\d+", "#").numpy() == "a#b#"
    assert tf.strings.substr("hello", 1, 3).numpy() == "ell"
    assert tf.strings.unicode_decode("アヒ", "UTF-8").numpy().tolist() == [12450, 12498]
    assert tf.strings.as_string(tf.constant([1.5, 2.0]), precision=2).numpy().tolist() == \
        ["1.50", "2.00"]


def test_numbers_are_refused_with_the_fix():
    with pytest.raises(TypeError, match="as_string"):
        tf.strings.length(tf.constant([1, 2]))


def test_io_decode_raw_and_files(tmp_path):
    assert tf.io.decode_raw(tf.constant("Duck"), tf.uint8).numpy().tolist() == [68, 117, 99, 107]
    assert tf.io.decode_raw(["ab", "cd"], tf.uint8).numpy().tolist() == [[97, 98], [99, 100]]
    path = str(tmp_path / "x.bin")
    tf.io.write_file(path, "hello")
    assert tf.io.read_file(path).numpy() == b"hello"
