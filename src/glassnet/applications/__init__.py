"""``keras.applications``: well-known image classification networks with Keras's
architecture, layer names and ImageNet weights (Keras's own files, downloaded once into
~/.keras/models), as glassnet functional models:

    base = glassnet.keras.applications.MobileNetV2(input_shape=(160, 160, 3),
                                                   include_top=False, weights="imagenet")

Each submodule (``vgg16``, ``vgg19``, ``resnet50``, ``resnet``, ``mobilenet_v2``) has the
network, its ``preprocess_input`` and ``decode_predictions``; ``imagenet_utils`` the shared
parts. Submodules are imported on first use.
"""

from __future__ import annotations

from .._lazy import attach

_SUBMODULES = ("imagenet_utils", "mobilenet_v2", "resnet", "resnet50", "vgg16", "vgg19")
__getattr__, __dir__ = attach(__name__, {
    **{name: "." + name for name in _SUBMODULES},
    "VGG16": ".vgg16", "VGG19": ".vgg19", "MobileNetV2": ".mobilenet_v2",
    "ResNet50": ".resnet", "ResNet101": ".resnet", "ResNet152": ".resnet",
})

__all__ = ["MobileNetV2", "ResNet101", "ResNet152", "ResNet50", "VGG16", "VGG19",
           *_SUBMODULES]
