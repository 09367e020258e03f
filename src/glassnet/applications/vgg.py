"""VGG16 and VGG19 (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale
Image Recognition", ICLR 2015), with Keras's layer names and ImageNet weights.

Five blocks of 3x3 convolutions (``padding="same"``, ReLU), each ending in a 2x2 max pooling
that halves height and width: 224x224x3 -> 7x7x512. The classifier flattens that to 25,088
numbers, then ``fc1`` and ``fc2`` (4096 units, ReLU) and ``predictions`` (1000, softmax).
Parameters: VGG16 138,357,544 (14,714,688 without the top), VGG19 143,667,240.
"""

from __future__ import annotations

from . import _builder, imagenet_utils

#: filters of each block, and convolutions per block for each depth
FILTERS = (64, 128, 256, 512, 512)
CONVS = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
#: Keras's weight files (under KERAS_WEIGHTS_URL) and their MD5: (with top, without)
WEIGHTS = {
    16: (("vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
          "64373286793e3c8b2b4e3219cbf3544b"),
         ("vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
          "6d6bbae143d832006294945121d1f1fc")),
    19: (("vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
          "cbe5617147190e668d6c5d5026f83318"),
         ("vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
          "253f8cb515780f3b799900260a226db6")),
}


def vgg(depth: int, include_top: bool, weights, input_tensor, input_shape, pooling,
        classes: int, classifier_activation, name: str):
    """VGG with ``depth`` 16 or 19 weight layers; the arguments are ``VGG16``'s."""
    from .. import layers

    _builder.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 224, 32, include_top,
                                                    weights)
    img_input = _builder.make_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, n) in enumerate(zip(FILTERS, CONVS[depth]), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = _builder.predictions(x, classes, classifier_activation, weights)
    else:
        x = _builder.pool(x, pooling)
    path, md5 = WEIGHTS[depth][0 if include_top else 1]
    return _builder.finish(img_input, input_tensor, x, name, weights, path, md5)

