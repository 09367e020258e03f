"""Layers, with Keras's names and arguments (and Keras's aliases, e.g. ``MaxPool2D``).

Each layer's module is imported when a program first names the layer (``.._lazy``), so
``import glassnet`` does not read forty layer files to build a Dense network.
"""

from .._lazy import attach
from .base import Layer
from .input import Input, InputLayer

#: the module that defines each layer (and merge function)
_MODULES = {
    ".activation": ("Activation",),
    ".activations": ("ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"),
    ".activity_regularization": ("ActivityRegularization",),
    ".attention": ("AdditiveAttention", "Attention"),
    ".augmentation": ("RandomAffineChain", "RandomContrast", "RandomFlip",
                      "RandomLowResolution", "RandomRotation", "RandomStrokeWidth",
                      "RandomTranslation", "RandomZoom"),
    ".bidirectional": ("Bidirectional",),
    ".category_encoding": ("CategoryEncoding",),
    ".center_crop": ("CenterCrop",),
    ".conv": ("Conv2D",),
    ".conv1d": ("Conv1D",),
    ".conv_transpose": ("Conv2DTranspose",),
    ".dense": ("Dense",),
    ".deskew": ("Deskew",),
    ".discretization": ("Discretization",),
    ".dot_product": ("Dot", "dot"),
    ".dropout": ("Dropout",),
    ".embedding": ("Embedding",),
    ".feature_normalization": ("Normalization",),
    ".flatten": ("Flatten",),
    ".global_pooling": ("GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalMaxPooling2D"),
    ".gru": ("GRU", "GRUCell"),
    ".hashing": ("Hashing",),
    ".identity": ("Identity",),
    ".index_lookup": ("IntegerLookup", "StringLookup"),
    ".lambda_layer": ("Lambda",),
    ".layer_normalization": ("LayerNormalization",),
    ".lstm": ("LSTM", "LSTMCell"),
    ".masking": ("Masking",),
    ".multi_head_attention": ("MultiHeadAttention",),
    ".merge": ("Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract",
               "add", "average", "concatenate", "maximum", "minimum", "multiply", "subtract"),
    ".noise": ("AlphaDropout", "GaussianDropout", "GaussianNoise"),
    ".normalization": ("BatchNormalization",),
    ".padding": ("Cropping2D", "ZeroPadding2D"),
    ".padding1d": ("Cropping1D", "ZeroPadding1D"),
    ".pooling": ("AveragePooling2D", "GlobalAveragePooling2D", "MaxPooling2D"),
    ".pooling1d": ("AveragePooling1D", "MaxPooling1D"),
    ".rescaling": ("Rescaling",),
    ".reshape": ("Permute", "RepeatVector", "Reshape"),
    ".resizing": ("Resizing",),
    ".separable_conv": ("DepthwiseConv2D", "SeparableConv2D"),
    ".recurrent": ("RNN",),
    ".simple_rnn": ("SimpleRNN", "SimpleRNNCell"),
    ".stacked_rnn_cells": ("StackedRNNCells",),
    ".spatial_dropout": ("SpatialDropout1D", "SpatialDropout2D"),
    ".text_vectorization": ("TextVectorization",),
    ".time_distributed": ("TimeDistributed",),
    ".upsampling": ("UpSampling2D",),
    ".upsampling1d": ("UpSampling1D",),
    ".experimental": ("experimental",),  # Keras 2's layers.experimental.preprocessing
}
#: Keras's other names for the same classes
_ALIASES = {
    "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D",
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "Convolution2DTranspose": "Conv2DTranspose",
    "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "MaxPool1D": "MaxPooling1D",
    "MaxPool2D": "MaxPooling2D",
    "SeparableConvolution2D": "SeparableConv2D",
}
#: glassnet's own layers (``glassnet train --augment``), which Keras does not have
OWN = ("Deskew", "RandomAffineChain", "RandomLowResolution", "RandomStrokeWidth")
_WHERE = {name: module for module, names in _MODULES.items() for name in names}
__getattr__, __dir__ = attach(__name__, {
    **_WHERE, **{alias: (_WHERE[name], name) for alias, name in _ALIASES.items()}})


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
    "Activation", "ActivityRegularization", "Add", "AdditiveAttention", "AlphaDropout",
    "Attention", "Average", "AveragePooling1D",
    "AveragePooling2D", "AvgPool1D", "AvgPool2D", "BatchNormalization", "Bidirectional",
    "CategoryEncoding",
    "CenterCrop", "Concatenate", "Conv1D", "Conv2D", "Conv2DTranspose", "Convolution1D",
    "Convolution2D", "Convolution2DTranspose", "Cropping1D", "Cropping2D", "Dense",
    "DepthwiseConv2D", "Deskew", "Discretization",
    "Dot", "Dropout", "ELU", "Embedding", "Flatten", "GRU", "GRUCell",
    "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Hashing",
    "Identity", "Input", "InputLayer", "IntegerLookup", "LSTM",
    "LSTMCell", "Lambda", "Layer", "LayerNormalization", "LeakyReLU", "Masking", "MaxPool1D",
    "MaxPool2D", "MaxPooling1D", "MaxPooling2D", "Maximum", "Minimum", "MultiHeadAttention",
    "Multiply", "Normalization",
    "PReLU", "Permute", "RNN", "RandomAffineChain", "RandomContrast", "RandomFlip",
    "RandomLowResolution", "RandomRotation", "RandomStrokeWidth", "RandomTranslation",
    "RandomZoom", "ReLU",
    "RepeatVector", "Rescaling", "Reshape", "Resizing", "SeparableConv2D", "SeparableConvolution2D",
    "SimpleRNN", "SimpleRNNCell", "Softmax", "SpatialDropout1D", "SpatialDropout2D",
    "StackedRNNCells", "StringLookup", "Subtract", "TextVectorization",
    "TimeDistributed", "UpSampling1D", "UpSampling2D",
    "ZeroPadding1D", "ZeroPadding2D", "add", "average", "concatenate", "deserialize", "dot",
    "maximum", "minimum", "multiply", "serialize", "subtract",
]
