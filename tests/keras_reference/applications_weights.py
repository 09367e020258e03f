"""Deterministic, well-scaled weights for an ImageNet network, shared by
``make_applications_refs.py`` (Keras) and ``tests/test_applications.py`` (glassnet): both
sides draw the same arrays from NumPy, so the reference needs no weight files.

Layers are visited in sorted name order, each layer's weights in its own order (Keras's:
kernel, bias; gamma, beta, moving_mean, moving_variance). He-scaled kernels keep the
activations of a 50-layer network in range: ``W ~ N(0, 2 / fan_in)``; BatchNormalization's
``gamma, moving_variance ~ U(0.5, 1.5)``, ``beta, moving_mean ~ N(0, 0.1²)``.
"""

from __future__ import annotations

import numpy as np

#: name -> (module, constructor, keyword arguments, batch of images' shape)
CASES = {
    "vgg16_notop": ("vgg16", "VGG16", dict(include_top=False, input_shape=(32, 32, 3)), 2),
    "vgg19_avg": ("vgg19", "VGG19",
                  dict(include_top=False, input_shape=(36, 36, 3), pooling="avg"), 1),
    "resnet50_notop": ("resnet50", "ResNet50",
                       dict(include_top=False, input_shape=(64, 64, 3)), 2),
    "resnet50_top": ("resnet50", "ResNet50",
                     dict(input_shape=(64, 64, 3), classes=10), 1),
    "mobilenet_v2_notop": ("mobilenet_v2", "MobileNetV2",
                           dict(include_top=False, input_shape=(64, 64, 3)), 2),
    "mobilenet_v2_a035_top": ("mobilenet_v2", "MobileNetV2",
                             dict(input_shape=(67, 67, 3), alpha=0.35, classes=7), 1),
}

BN_ROLES = ("gamma", "beta", "moving_mean", "moving_variance")


def draw(layer_shapes: dict[str, list[tuple]], bn_layers: set[str], seed: int = 0
         ) -> dict[str, list[np.ndarray]]:
    """``{layer name: [arrays]}`` for ``{layer name: [weight shapes]}``."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in sorted(layer_shapes):
        arrays = []
        for i, shape in enumerate(layer_shapes[name]):
            if name in bn_layers:
                role = BN_ROLES[i]
                a = rng.uniform(0.5, 1.5, shape) if role in ("gamma", "moving_variance") \
                    else rng.normal(0, 0.1, shape)
            elif len(shape) == 1:
                a = rng.normal(0, 0.05, shape)
            else:
                fan_in = int(np.prod(shape[:-1]))
                if len(shape) == 4 and shape[-1] == 1:  # depthwise: one 3x3 filter per channel
                    fan_in = shape[0] * shape[1]
                a = rng.normal(0, np.sqrt(2.0 / fan_in), shape)
            arrays.append(a.astype(np.float32))
        out[name] = arrays
    return out


def image(shape: tuple, seed: int = 1) -> np.ndarray:
    """A batch of random 'pixels' in [0, 255], float32."""
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(np.float32)
