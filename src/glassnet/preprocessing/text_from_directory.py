"""``text_dataset_from_directory``: a folder with one subfolder of ``.txt`` files per class,
as a ``tf.data.Dataset`` of ``(texts, labels)`` batches, as Keras makes it (the IMDB
tutorial's ``aclImdb/train`` with ``neg/`` and ``pos/``)::

    main_directory/
        neg/  0_3.txt, 1_1.txt, ...   -> label 0 (class names in alphanumeric order)
        pos/  0_9.txt, ...            -> label 1

The files are listed, shuffled, split and batched exactly as ``image_dataset_from_directory``
does (the same code, ``from_directory.index_directory`` and ``subsets``), so the same
``seed`` gives the same training/validation split as Keras. Each text is the file's content
decoded as UTF-8 (a NumPy ``str``; TensorFlow keeps the undecoded bytes).
"""

from __future__ import annotations

import numpy as np

from ..i18n import _
from .from_directory import check_label_mode, check_split, index_directory, subsets

TEXT_FORMATS = (".txt",)


def text_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int",
                                class_names=None, batch_size: int | None = 32,
                                max_length: int | None = None, shuffle: bool = True,
                                seed: int | None = None, validation_split: float | None = None,
                                subset: str | None = None, follow_links: bool = False,
                                verbose: bool = True, **kwargs):
    """A ``Dataset`` of ``(texts, labels)`` batches from a folder of class subfolders of
    ``.txt`` files, with Keras's arguments: ``label_mode`` ``"int"`` (int32),
    ``"categorical"`` (one-hot float32), ``"binary"`` (float32, shape ``(batch, 1)``) or
    None (texts only); ``max_length`` cuts each text to that many characters (Keras: bytes);
    ``validation_split`` with ``subset`` (``"training"``, ``"validation"``, ``"both"``) and
    a ``seed``. The dataset's ``class_names`` lists the classes in label order."""
    labels, label_mode = check_label_mode(labels, label_mode)
    check_split(validation_split, subset, shuffle, seed)
    paths, label_array, names = index_directory(directory, labels, TEXT_FORMATS, class_names,
                                                shuffle, seed, follow_links, verbose)
    if not paths:
        raise ValueError(_("No text files (.txt) found in {directory!r}: give the folder "
                           "that holds one subfolder of .txt files per class.").format(
                               directory=str(directory)))

    def load(path) -> np.ndarray:
        with open(str(path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        return np.asarray(text if max_length is None else text[:max_length], dtype=str)

    return subsets(paths, label_array, names, load, label_mode, batch_size, shuffle, seed,
                   validation_split, subset, verbose)
