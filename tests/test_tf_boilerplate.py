"""The boilerplate lines that open TensorFlow tutorials run after ``import glassnet as tf``
and answer as TensorFlow does on a machine without a GPU (devices, strategies, logging,
eager mode, mixed precision, ``tf.print``)."""

from __future__ import annotations

import io
import logging
import sys
import warnings

import numpy as np
import pytest

import glassnet as tf
from glassnet import compat, legacy


def test_devices_are_the_cpu_only():
    assert tf.config.list_physical_devices("GPU") == []
    assert tf.config.experimental.list_physical_devices("GPU") == []
    cpus = tf.config.list_physical_devices("CPU")
    assert len(cpus) == 1 and cpus[0].name == "/physical_device:CPU:0"
    assert cpus[0].device_type == "CPU"
    assert repr(cpus[0]) == ("PhysicalDevice(name='/physical_device:CPU:0', "
                             "device_type='CPU')")
    assert tf.config.list_physical_devices() == cpus
    for gpu in tf.config.list_physical_devices("GPU"):  # the tutorial's loop runs 0 times
        tf.config.experimental.set_memory_growth(gpu, True)
    tf.config.experimental.set_memory_growth(cpus[0], True)
    assert tf.config.experimental.get_memory_growth(cpus[0])
    tf.config.set_visible_devices([], "GPU")
    assert tf.config.get_visible_devices("CPU") == cpus
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 2
    assert tf.config.threading.get_inter_op_parallelism_threads() == 1
    tf.config.threading.set_intra_op_parallelism_threads(0)


def test_tf_test_and_eager_answers():
    assert tf.test.is_gpu_available() is False
    assert tf.test.gpu_device_name() == ""
    assert tf.test.is_built_with_cuda() is False
    assert tf.executing_eagerly() is True
    for name in ("/CPU:0", "/GPU:0", "/device:GPU:1"):
        with tf.device(name):
            y = tf.constant([1.0, 2.0]) * 2
        np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])


def test_strategy_scope_builds_and_trains_a_model():
    for strategy in (tf.distribute.MirroredStrategy(), tf.distribute.get_strategy()):
        assert strategy.num_replicas_in_sync == 1
        with strategy.scope():
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0,
                  batch_size=2 * strategy.num_replicas_in_sync)


def test_mixed_precision_float32_is_silent_mixed_warns_once(monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tf.keras.mixed_precision.set_global_policy("float32")
    assert tf.keras.mixed_precision.global_policy().compute_dtype == "float32"
    monkeypatch.setattr(legacy, "_WARNED", set())  # the once-per-process warnings
    with pytest.warns(UserWarning, match="float32") as record:
        tf.keras.mixed_precision.set_global_policy("mixed_float16")
        tf.keras.mixed_precision.set_global_policy("mixed_float16")
    assert len(record) == 1
    assert tf.keras.mixed_precision.global_policy().compute_dtype == "float32"
    tf.keras.mixed_precision.experimental.set_policy(
        tf.keras.mixed_precision.Policy("float32"))
    assert tf.keras.mixed_precision.global_policy().name == "float32"
    optimizer = tf.keras.optimizers.Adam()
    assert tf.keras.mixed_precision.LossScaleOptimizer(optimizer) is optimizer
    with pytest.raises(ValueError, match="float32"):
        tf.keras.mixed_precision.set_global_policy("float8")


def test_logging_and_eager_switches():
    logger = tf.get_logger()
    before = logger.level
    try:
        logger.setLevel("ERROR")
        tf.autograph.set_verbosity(0)
        tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.INFO)
        assert logger.level == logging.INFO
        tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
        assert logger.level == logging.ERROR
    finally:
        logger.setLevel(before)
    tf.compat.v1.enable_eager_execution()
    with pytest.warns(UserWarning, match="eagerly"):
        tf.compat.v1.disable_eager_execution()
    assert tf.executing_eagerly()


@pytest.mark.parametrize("name", ["Session", "placeholder", "ConfigProto"])
def test_tf1_graph_names_raise_naming_tf2_style(name):
    with pytest.raises(NotImplementedError, match="TensorFlow 2 style"):
        getattr(tf.compat.v1, name)(tf.float32, shape=(None, 2))
    assert name in compat._GRAPH_NAMES


def test_print_writes_like_tensorflow_to_stderr(capsys):
    tf.print("loss:", tf.constant([1, 2]), np.float32(0.5))
    assert capsys.readouterr().err == "loss: [1 2] 0.5\n"
    tf.print(np.array([[0.5, 2.0], [1.0, 3.0]]), output_stream=sys.stdout)
    assert capsys.readouterr().out == "[[0.5 2]\n [1 3]]\n"
    tf.print(tf.range(10), tf.constant([True, False]), sep=", ", end="!\n",
             output_stream=sys.stdout)
    assert capsys.readouterr().out == "[0 1 2 ... 7 8 9], [1 0]!\n"
    stream = io.StringIO()
    tf.print(np.arange(10), summarize=-1, output_stream=stream)
    assert stream.getvalue() == "[0 1 2 3 4 5 6 7 8 9]\n"


def test_print_to_a_file_url(tmp_path):
    path = tmp_path / "log.txt"
    tf.print("a", 1, output_stream=f"file://{path}")
    tf.print("b", output_stream=f"file://{path}")
    assert path.read_text() == "a 1\nb\n"
