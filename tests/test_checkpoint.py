"""``tf.train.Checkpoint`` / ``CheckpointManager``: variables saved by their object paths
and put back (TensorFlow's guide "Training checkpoints")."""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet as tf


class Net(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.l1 = tf.keras.layers.Dense(3)

    def call(self, x):
        return self.l1(x)


def test_save_and_restore_round_trip(tmp_path):
    step = tf.Variable(1)
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    ckpt = tf.train.Checkpoint(step=step, model=model)
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert path == str(tmp_path / "ckpt-1") and int(ckpt.save_counter) == 1
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    kernel = model.get_weights()[0].copy()
    step.assign(7)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    ckpt.restore(path).assert_consumed()
    assert int(step) == 1
    np.testing.assert_array_equal(model.get_weights()[0], kernel)
    keys = dict(tf.train.list_variables(path))
    assert keys["model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"] == [3, 2]
    assert keys["step/.ATTRIBUTES/VARIABLE_VALUE"] == []


def test_manager_keeps_the_newest_and_a_new_manager_finds_them(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(0.0))
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    for i in range(4):
        ckpt.v.assign(float(i))
        manager.save()
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-3", "ckpt-4"]
    assert not os.path.exists(str(tmp_path / "ckpt-1.index"))
    again = tf.train.Checkpoint(v=tf.Variable(-1.0))
    later = tf.train.CheckpointManager(again, str(tmp_path), max_to_keep=2)
    again.restore(later.latest_checkpoint)
    assert float(again.v) == 3.0 and int(again.save_counter) == 4
    assert os.path.basename(later.save()) == "ckpt-5"  # the restored counter goes on


def test_restore_before_the_first_call_fills_the_weights_when_built(tmp_path):
    net = Net()
    x = tf.constant([[1.0, 2.0, 3.0]])
    y = net(x).numpy()
    path = tf.train.Checkpoint(net=net).write(str(tmp_path / "w"))
    fresh = Net()
    tf.train.Checkpoint(net=fresh).restore(path)
    np.testing.assert_allclose(fresh(x).numpy(), y)


def test_objects_attached_after_restore_get_their_values(tmp_path):
    save = tf.train.Checkpoint()
    save.listed = [tf.Variable(1.0)]
    save.listed.append(tf.Variable(2.0))
    save.inner = tf.train.Checkpoint(bias=tf.Variable([5.0, 6.0]))
    path = save.save(str(tmp_path / "example"))
    restore = tf.train.Checkpoint()
    inner = tf.train.Checkpoint()
    restore.inner = inner
    restore.restore(path)
    late = tf.Variable([0.0, 0.0])
    inner.bias = late  # attached to a nested checkpoint after restore
    assert late.numpy().tolist() == [5.0, 6.0]
    restore.listed = []
    v1 = tf.Variable(0.0)
    restore.listed.append(v1)
    assert float(v1) == 1.0


def test_mismatch_is_reported(tmp_path):
    path = tf.train.Checkpoint(a=tf.Variable(1.0)).write(str(tmp_path / "a"))
    status = tf.train.Checkpoint(b=tf.Variable(1.0)).restore(path)
    with pytest.raises(AssertionError, match="a/.ATTRIBUTES"):
        status.assert_consumed()
    with pytest.raises(FileNotFoundError, match="latest_checkpoint"):
        tf.train.Checkpoint().restore(str(tmp_path / "nothing"))


def test_saved_model_of_a_module_points_to_checkpoint(tmp_path):
    class Linear(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(2.0)

    options = tf.saved_model.SaveOptions(experimental_custom_gradients=True)
    with pytest.raises(NotImplementedError, match=r"tf.train.Checkpoint\(model=obj\)"):
        tf.saved_model.save(Linear(), str(tmp_path / "sm"), options=options)
    path = tf.train.Checkpoint(model=Linear()).write(str(tmp_path / "ck"))  # the way named
    other = Linear()
    other.w.assign(0.0)
    tf.train.Checkpoint(model=other).restore(path).assert_consumed()
    assert float(other.w) == 2.0
