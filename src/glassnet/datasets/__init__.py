"""Keras's datasets: MNIST ships with glassnet; the others download once, as in Keras.

``fashion_mnist``, ``cifar10``, ``cifar100``, ``imdb``, ``reuters``, ``boston_housing``
and ``california_housing`` fetch the files Keras fetches, from the same addresses, into
Keras's cache ``~/.keras/datasets`` (a file Keras downloaded before is reused), check
them against the hashes Keras publishes, and return the same arrays, writable.
"""

from . import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist",
           "imdb", "mnist", "reuters"]
