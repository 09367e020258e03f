"""``keras.preprocessing``: ``sequence.pad_sequences`` (current in Keras 3) and Keras 2's
``text.Tokenizer``."""

from . import sequence, text

__all__ = ["sequence", "text"]
