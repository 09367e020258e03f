"""``tf.saved_model.save``/``load`` and Keras 2's ``model.save("my_model")`` (a name without
an extension): glassnet's stand-in for TensorFlow's SavedModel directory.

This is **not** TensorFlow's SavedModel format (``saved_model.pb``, ``variables/``): TensorFlow
cannot read it and glassnet cannot read TensorFlow's. The directory holds one glassnet model
file, ``model.glassnet`` (the architecture as a config, the weights, the compile settings and
the optimizer state; never code), so a tutorial that saves a folder and loads it back runs
as written::

    tf.saved_model.save(model, "saved_model/my_model")   # saved_model/my_model/model.glassnet
    restored = tf.saved_model.load("saved_model/my_model")
    model.save("my_model")                               # Keras 2: a folder as well
    restored = tf.keras.models.load_model("my_model")

To move a model to TensorFlow or Keras, save it as ``model.keras`` (Keras 3's format) instead.
"""

from __future__ import annotations

import os

from .i18n import _

MODEL_FILE = "model.glassnet"


class SaveOptions:
    """``tf.saved_model.SaveOptions(...)``: accepted; none of its settings apply here."""

    def __init__(self, **options) -> None:
        self.options = options


LoadOptions = SaveOptions


def is_folder_name(path) -> bool:
    """True for a name Keras 2 saves as a SavedModel folder: one without an extension (a
    folder named ``model.glassnet`` is a mistake, reported as such by ``save_model``)."""
    path = os.fspath(path)
    return not os.path.splitext(os.path.basename(path.rstrip("/\\")))[1]


def model_file(export_dir) -> str:
    """The glassnet model file inside ``export_dir``, or an error saying what the folder is."""
    export_dir = os.fspath(export_dir)
    inside = os.path.join(export_dir, MODEL_FILE)
    if os.path.isfile(inside):
        return inside
    if os.path.isfile(os.path.join(export_dir, "saved_model.pb")):
        raise ValueError(f"{export_dir} is TensorFlow's SavedModel folder, which glassnet cannot "
                         "read (it holds TensorFlow graphs). Save the model from Keras as "
                         "'model.keras' and load that file instead.")
    raise IsADirectoryError(f"{export_dir} is a folder without {MODEL_FILE}: it was not "
                            "written by model.save or tf.saved_model.save. Give the path of "
                            "a model file, or of a folder that one of them wrote.")


def save(obj, export_dir, signatures=None, options=None) -> None:
    """``tf.saved_model.save(model, export_dir)``: the folder ``export_dir`` with the model in
    ``model.glassnet`` (see this module's docstring: not TensorFlow's format)."""
    from .layers.base import Layer
    from .saving import save_model

    if not isinstance(obj, Layer):  # a tf.Module: its methods are Python code
        raise NotImplementedError(_(
            "tf.saved_model.save({kind}): glassnet saves Keras models only (their config "
            "and weights, never code), and a {kind} is its Python methods. Save its "
            "variables with tf.train.Checkpoint(model=obj).write(path) and restore them "
            "into a new {kind} with tf.train.Checkpoint(model=new).restore(path).").format(
                kind=type(obj).__name__))
    export_dir = os.fspath(export_dir)
    os.makedirs(export_dir, exist_ok=True)
    save_model(obj, os.path.join(export_dir, MODEL_FILE))


def load(export_dir, tags=None, options=None):
    """``tf.saved_model.load(export_dir)``: the model that ``save`` (or Keras 2's
    ``model.save("folder")``) wrote there, ready to call, ``predict`` or train."""
    from .saving import load_model

    return load_model(model_file(export_dir))
