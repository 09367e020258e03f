"""Layers, with Keras's names and arguments."""

from .activation import Activation
from .base import Layer
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .input import Input, InputLayer
from .normalization import BatchNormalization
from .pooling import AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D
from .reshape import Reshape

__all__ = [
    "Activation", "AveragePooling2D", "BatchNormalization", "Conv2D", "Dense", "Dropout",
    "Flatten", "GlobalAveragePooling2D", "Input", "InputLayer", "Layer", "MaxPooling2D",
    "Reshape",
]
