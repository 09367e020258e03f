"""``image_dataset_from_directory``: a folder with one subfolder of images per class, as a
``tf.data.Dataset`` of ``(images, labels)`` batches, as Keras 3 makes it::

    main_directory/
        cats/  a.jpg, b.png, ...       -> label 0 (class names in alphanumeric order)
        dogs/  c.jpg, ...              -> label 1

The files are listed as Keras lists them (classes in order, then each folder walked in
sorted order), shuffled once with ``numpy.random.RandomState(seed)`` (Keras's own shuffle,
so the same ``seed`` gives the same training/validation split of the same files), split
(``validation_split``: the last ``int(split · n)`` files are validation), then shuffled each
epoch with a buffer of ``8 · batch_size`` and batched. Images are read with Pillow (an
optional extra) and resized bilinearly to ``image_size`` like ``tf.image.resize`` (pixel
centres at ``i + 0.5``, no antialiasing), as float32 values 0-255.
"""

from __future__ import annotations

import os

import numpy as np

from ..dataset import Dataset
from ..i18n import _
from .image import img_to_array, load_img

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def index_directory(directory: str, labels="inferred", formats=IMAGE_FORMATS,
                    class_names=None, shuffle: bool = True, seed: int | None = None,
                    follow_links: bool = False, verbose: bool = True):
    """``(file_paths, labels, class_names)`` in Keras's order (see the module docstring)."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(_("{directory!r} is not a folder: give the folder that "
                                  "holds one subfolder of files per class.").format(
                                      directory=directory))
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names) <= set(subdirs):
                raise ValueError(_("class_names {class_names} do not match the "
                                   "subfolders of {directory!r}: {subdirs}.").format(
                                       class_names=list(class_names), directory=directory,
                                       subdirs=subdirs))
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError(_("class_names can only be given with labels='inferred'."))
        subdirs = [""]
    paths, found = [], []
    for k, sub in enumerate(subdirs):
        root_dir = os.path.join(directory, sub)
        walk = os.walk(root_dir, followlinks=follow_links)
        for root, _dirs, files in sorted(walk, key=lambda entry: entry[0]):
            for name in sorted(files):
                if name.lower().endswith(formats):
                    paths.append(os.path.join(root, name))
                    found.append(k)
    if labels == "inferred":
        label_array = np.array(found, dtype=np.int32)
        names = list(subdirs)
    elif labels is None:
        label_array, names = None, None
    else:
        if len(labels) != len(paths):
            raise ValueError(_("labels has {n_labels} entries but {directory!r} holds "
                               "{n_paths} files; give one label per file, in the sorted "
                               "order of their paths.").format(
                                   n_labels=len(labels), directory=directory, n_paths=len(paths)))
        label_array = np.asarray(labels)
        names = [str(v) for v in sorted(set(np.asarray(labels).tolist()))]
    if verbose:
        found = (_("Found {files} files.") if names is None else
                 _("Found {files} files belonging to {classes} classes."))
        print(found.format(files=len(paths), classes=len(names or ())))
    if shuffle:  # Keras: one global shuffle, paths and labels with the same seed
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(paths)
        if label_array is not None:
            np.random.RandomState(seed).shuffle(label_array)
    return paths, label_array, names


def resize_bilinear(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``(h, w, c)`` to ``(H, W, c)`` as ``tf.image.resize(..., "bilinear")``: output pixel
    ``i`` reads input position ``(i + 0.5) · h / H - 0.5`` (clamped), between its two
    neighbours."""
    def axis(n_in: int, n_out: int):
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, (pos - lo).astype(np.float32)

    H, W = size
    r0, r1, fr = axis(image.shape[0], H)
    c0, c1, fc = axis(image.shape[1], W)
    rows = image[r0] * (1 - fr)[:, None, None] + image[r1] * fr[:, None, None]
    return rows[:, c0] * (1 - fc)[None, :, None] + rows[:, c1] * fc[None, :, None]


def image_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int",
                                 class_names=None, color_mode: str = "rgb",
                                 batch_size: int | None = 32,
                                 image_size: tuple[int, int] = (256, 256), shuffle: bool = True,
                                 seed: int | None = None, validation_split: float | None = None,
                                 subset: str | None = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False, data_format=None,
                                 verbose: bool = True, **kwargs):
    """A ``Dataset`` of ``(images, labels)`` batches from a folder of class subfolders (see
    the module docstring), with Keras 3's arguments. ``label_mode``: ``"int"`` (int32 class
    indices), ``"categorical"`` (one-hot float32), ``"binary"`` (float32 0/1, shape
    ``(batch, 1)``, two classes), or ``None`` (images only). ``subset="both"`` returns
    ``(training, validation)``. The dataset's ``class_names`` lists the classes in label
    order."""
    labels, label_mode = check_label_mode(labels, label_mode)
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
    if color_mode not in channels:
        raise ValueError(_("color_mode must be 'rgb', 'rgba' or 'grayscale', got "
                           "{color_mode!r}.").format(color_mode=color_mode))
    if interpolation != "bilinear" or crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise NotImplementedError(_("image_dataset_from_directory: glassnet resizes with "
                                    "interpolation='bilinear' only, without crop or pad "
                                    "to the aspect ratio."))
    check_split(validation_split, subset, shuffle, seed)
    paths, label_array, names = index_directory(directory, labels, IMAGE_FORMATS, class_names,
                                                shuffle, seed, follow_links, verbose)
    if not paths:
        raise ValueError(_("No images found in {directory!r} (formats: {join}).").format(
                               directory=directory, join=', '.join(IMAGE_FORMATS)))

    def load(path):
        image = img_to_array(load_img(str(path), color_mode=color_mode))
        return resize_bilinear(image, tuple(image_size)).astype(np.float32)

    return subsets(paths, label_array, names, load, label_mode, batch_size, shuffle, seed,
                   validation_split, subset, verbose)


def check_label_mode(labels, label_mode):
    """``(labels, label_mode)``, both None when there are no labels."""
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(_("label_mode must be 'int', 'categorical', 'binary' or None, "
                           "got {label_mode!r}.").format(label_mode=label_mode))
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def check_split(validation_split, subset, shuffle: bool, seed) -> None:
    """Keras's rules for ``validation_split``, ``subset`` and ``seed``."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(_("validation_split must be between 0 and 1, got "
                           "{validation_split!r}.").format(validation_split=validation_split))
    if bool(validation_split) != bool(subset):
        raise ValueError(_("Give validation_split and subset together, e.g. "
                           "validation_split=0.2, subset='training', seed=123."))
    if subset not in ("training", "validation", "both", None):
        raise ValueError(_("subset must be 'training', 'validation' or 'both', got "
                           "{subset!r}.").format(subset=subset))
    if validation_split and shuffle and seed is None:
        raise ValueError(_("With validation_split and shuffle=True, give a seed (the "
                           "same for the training and the validation call), so that the "
                           "two subsets do not overlap."))


def subsets(paths: list, label_array, names, load, label_mode, batch_size, shuffle: bool,
            seed, validation_split, subset, verbose: bool):
    """The ``Dataset`` (or the training and validation pair) of ``(load(path), label)``
    batches: the last ``int(validation_split · n)`` files are validation, as in Keras."""
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(_("label_mode='binary' needs exactly 2 classes, found "
                           "{n_names}: {names}. Use label_mode='int' or 'categorical'.").format(
                               n_names=len(names), names=names))

    def encode(values):
        if label_mode == "categorical":
            return np.eye(len(names), dtype=np.float32)[values]
        if label_mode == "binary":
            return values.astype(np.float32).reshape(-1, 1)
        return values.astype(np.int32)

    def make(part_paths, part_labels, which: str | None):
        if which is not None and verbose:
            print(_("Using {files} files for {which}.").format(files=len(part_paths),
                                                                 which=which))
        source = (np.array(part_paths) if part_labels is None
                  else (np.array(part_paths), encode(np.asarray(part_labels))))
        ds = Dataset.from_tensor_slices(source)
        if shuffle:
            ds = ds.shuffle(8 * batch_size if batch_size else 1024, seed=seed)
        ds = ds.map(lambda p, *y: (load(p), *y) if y else load(p))
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds.class_names = names
        return ds

    if not validation_split:
        return make(paths, label_array, None)
    n_val = int(validation_split * len(paths))
    train = (paths[:-n_val] if n_val else paths,
             None if label_array is None else (label_array[:-n_val] if n_val else label_array))
    val = (paths[len(paths) - n_val:],
           None if label_array is None else label_array[len(paths) - n_val:])
    if subset == "training":
        return make(*train, "training")
    if subset == "validation":
        return make(*val, "validation")
    return make(*train, "training"), make(*val, "validation")
