"""``keras.preprocessing``: ``sequence.pad_sequences`` and ``image``'s ``load_img``,
``img_to_array``, ... (current in Keras 3), and Keras 2's ``text.Tokenizer`` and
``image.ImageDataGenerator``."""

from . import image, sequence, text
from .from_directory import image_dataset_from_directory  # noqa: F401  (Keras 2.x path)
from .text_from_directory import text_dataset_from_directory  # noqa: F401  (Keras 2.x path)
from .timeseries import timeseries_dataset_from_array  # noqa: F401  (Keras 2.x path)

# the submodules; image_ and text_dataset_from_directory are also keras.utils's
__all__ = ["image", "sequence", "text"]
