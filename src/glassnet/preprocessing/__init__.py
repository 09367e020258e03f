"""``keras.preprocessing``: ``sequence.pad_sequences`` and ``image``'s ``load_img``,
``img_to_array``, ... (current in Keras 3), and Keras 2's ``text.Tokenizer`` and
``image.ImageDataGenerator``."""

from . import image, sequence, text

__all__ = ["image", "sequence", "text"]
