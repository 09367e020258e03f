"""Layers, with Keras's names and arguments (and Keras's aliases, e.g. ``MaxPool2D``)."""

from .activation import Activation
from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .augmentation import (
    RandomAffineChain,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomStrokeWidth,
    RandomTranslation,
    RandomZoom,
)
from .base import Layer
from .conv import Conv2D
from .conv1d import Conv1D
from .conv_transpose import Conv2DTranspose
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .feature_normalization import Normalization
from .flatten import Flatten
from .global_pooling import GlobalAveragePooling1D, GlobalMaxPooling1D, GlobalMaxPooling2D
from .identity import Identity
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
from .padding import Cropping2D, ZeroPadding2D
from .pooling import AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D
from .pooling1d import AveragePooling1D, MaxPooling1D
from .rescaling import Rescaling
from .reshape import Permute, RepeatVector, Reshape
from .separable_conv import DepthwiseConv2D, SeparableConv2D
from .upsampling import UpSampling2D

# Keras's other names for the same classes
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
SeparableConvolution2D = SeparableConv2D

from . import experimental  # noqa: E402, F401  (Keras 2's layers.experimental.preprocessing)


def serialize(layer: Layer) -> dict:
    """``{"class_name": ..., "config": ...}``: what a model file stores for ``layer``."""
    from ..serialization import layer_entry

    return layer_entry(layer)


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A new layer (or model) from ``serialize``'s dict; only known or registered classes
    are built, so this never runs code from the dict."""
    from ..serialization import build_layer

    return build_layer(config, custom_objects)

__all__ = [
    "Activation", "Add", "Average", "AveragePooling1D", "AveragePooling2D", "AvgPool1D",
    "AvgPool2D", "BatchNormalization", "Concatenate", "Conv1D", "Conv2D", "Conv2DTranspose",
    "Convolution1D", "Convolution2D", "Convolution2DTranspose", "Cropping2D", "Dense",
    "DepthwiseConv2D", "Dropout", "ELU", "Embedding", "Flatten", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D",
    "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Identity", "Input",
    "InputLayer", "Layer", "LeakyReLU", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D",
    "Maximum", "Minimum", "Multiply", "Normalization", "PReLU", "Permute", "RandomAffineChain",
    "RandomContrast",
    "RandomFlip", "RandomRotation", "RandomStrokeWidth", "RandomTranslation", "RandomZoom",
    "ReLU", "RepeatVector",
    "Rescaling", "Reshape", "SeparableConv2D", "SeparableConvolution2D", "Softmax", "Subtract",
    "UpSampling2D", "ZeroPadding2D", "add", "average", "concatenate", "deserialize", "maximum",
    "minimum", "multiply", "serialize", "subtract",
]
