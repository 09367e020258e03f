"""Fashion-MNIST: 70,000 28x28 grayscale images of clothes in 10 classes, as Keras.

Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot. By Zalando SE (MIT license), in MNIST's IDX format, so
it is a drop-in replacement for MNIST.
"""

from __future__ import annotations

from ..downloads import get_file
from ..errors import DataFileError, DownloadError
from ..i18n import _
from .idx import read_idx
from .splits import Split

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CACHE_SUBDIR = "datasets/fashion-mnist"
FILES = [  # Keras's order
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
]


def load_data() -> Split:
    """Return ``(x_train, y_train), (x_test, y_test)``, as ``keras.datasets.fashion_mnist``.

    Shapes: ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)``, ``(10000,)``, all
    uint8 and writable. The four files (30 MB) are downloaded once from Keras's address
    into ``~/.keras/datasets/fashion-mnist``. Keras publishes no hash for them, so none is
    checked; instead each download must be as long as the server announced, and each
    file must be valid gzip and IDX, with as many labels as images.
    """
    try:
        paths = [get_file(name, origin=ORIGIN_FOLDER + name, cache_subdir=CACHE_SUBDIR)
                 for name in FILES]
    except DownloadError as e:
        raise DownloadError(_("{e} Fashion-MNIST needs all four files in that folder: "
                              "{join}, each from {ORIGIN_FOLDER}.").format(
                                  e=e, join=', '.join(FILES), ORIGIN_FOLDER=ORIGIN_FOLDER)) from e
    y_train, x_train, y_test, x_test = (
        read_idx(path, fix=_("Delete it from ~/.keras/{folder} and load the data again.").format(
            folder=CACHE_SUBDIR))
        for path in paths)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if x.shape[1:] != (28, 28) or len(x) != len(y) or y.ndim != 1:
            raise DataFileError(_("Fashion-MNIST's files hold images of shape {shape} "
                                  "and labels of shape {shape2}; expected (n, 28, 28) "
                                  "and (n,). Delete ~/.keras/{CACHE_SUBDIR} and load the "
                                  "data again.").format(
                                      shape=x.shape, shape2=y.shape, CACHE_SUBDIR=CACHE_SUBDIR))
    return (x_train, y_train), (x_test, y_test)
