"""Layers, with Keras's names and arguments."""

from .activation import Activation
from .base import Layer
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .input import Input, InputLayer
from .merge import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .normalization import BatchNormalization
from .pooling import AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D
from .reshape import Reshape

__all__ = [
    "Activation", "Add", "Average", "AveragePooling2D", "BatchNormalization", "Concatenate",
    "Conv2D", "Dense", "Dropout", "Flatten", "GlobalAveragePooling2D", "Input", "InputLayer",
    "Layer", "MaxPooling2D", "Maximum", "Minimum", "Multiply", "Reshape", "Subtract", "add",
    "average", "concatenate", "maximum", "minimum", "multiply", "subtract",
]
