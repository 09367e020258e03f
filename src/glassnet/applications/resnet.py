"""ResNet50, ResNet101 and ResNet152 (He et al., "Deep Residual Learning for Image
Recognition", CVPR 2016; version 1, Keras's layer names and ImageNet weights).

Stem: 3-pixel zero padding, 7x7/2 convolution (64), batch norm, ReLU, 1-pixel padding, 3x3/2
max pooling: 224 -> 56. Then four stages ``conv2`` ... ``conv5`` of bottleneck blocks; block
``k`` of a stage with ``f`` filters computes

    y = relu(shortcut + BN(conv1x1_{4f}(relu(BN(conv3x3_f(relu(BN(conv1x1_f(x)))))))))

where the first block's shortcut is ``BN(conv1x1_{4f}(x))`` (stride 2 from ``conv3`` on,
in its first 1x1 convolution too) and the others' is ``x`` itself. Batch norms use
``epsilon=1.001e-5``. ResNet50 has 25,636,712 parameters (23,587,712 without the top).
"""

from __future__ import annotations

from . import _builder, imagenet_utils
from .vgg16 import decode_predictions, preprocess_input

__all__ = ["ResNet101", "ResNet152", "ResNet50", "decode_predictions", "preprocess_input"]

#: (filters, blocks) of the stages conv2 ... conv5
STAGES = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
#: MD5 of Keras's files resnetN_weights_tf_dim_ordering_tf_kernels{,_notop}.h5
WEIGHTS_MD5 = {
    50: ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    101: ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    152: ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
}
EPSILON = 1.001e-5


def _conv(x, filters: int, kernel: int, name: str, strides: int = 1):
    """``{name}_conv``: 1x1 convolutions 'valid', the 3x3 one 'same'."""
    from .. import layers

    return layers.Conv2D(filters, kernel, strides=strides, padding="same" if kernel == 3 else
                         "valid", name=name + "_conv")(x)


def _bn(x, name: str, relu: bool = True):
    """``{name}_bn`` (and ``{name}_relu``)."""
    from .. import layers

    x = layers.BatchNormalization(axis=3, epsilon=EPSILON, name=name + "_bn")(x)
    return layers.Activation("relu", name=name + "_relu")(x) if relu else x


def _block(x, filters: int, stride: int, first: bool, name: str):
    """One bottleneck block (the formula in the module's docstring). ``model.layers`` lists
    a block's layers in glassnet's order (depth-first from the output), Keras in order of
    depth (``_0_conv`` between ``_2_relu`` and ``_3_conv``); Keras 2 weight files, which
    list Keras's order, are matched by name."""
    from .. import layers

    shortcut = _bn(_conv(x, 4 * filters, 1, name + "_0", stride), name + "_0", relu=False) \
        if first else x
    h = _bn(_conv(x, filters, 1, name + "_1", stride), name + "_1")
    h = _bn(_conv(h, filters, 3, name + "_2"), name + "_2")
    h = _bn(_conv(h, 4 * filters, 1, name + "_3"), name + "_3", relu=False)
    h = layers.Add(name=name + "_add")([shortcut, h])
    return layers.Activation("relu", name=name + "_out")(h)


def resnet(depth: int, include_top: bool = True, weights: str | None = "imagenet",
           input_tensor=None, input_shape: tuple | None = None, pooling: str | None = None,
           classes: int = 1000, classifier_activation="softmax", name: str | None = None):
    """ResNet with ``depth`` 50, 101 or 152 layers; the arguments are ``ResNet50``'s."""
    from .. import layers

    _builder.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 224, 32, include_top,
                                                    weights)
    img_input = _builder.make_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks) in enumerate(zip((64, 128, 256, 512), STAGES[depth])):
        for b in range(1, blocks + 1):
            stride = 2 if b == 1 and stage > 0 else 1
            x = _block(x, filters, stride, b == 1, f"conv{stage + 2}_block{b}")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = _builder.predictions(x, classes, classifier_activation, weights)
    else:
        x = _builder.pool(x, pooling, ("avg_pool", "max_pool"))
    name = name or f"resnet{depth}"
    fname = f"resnet{depth}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return _builder.finish(img_input, input_tensor, x, name, weights, "resnet/" + fname,
                           WEIGHTS_MD5[depth][0 if include_top else 1])


def ResNet50(include_top: bool = True, weights: str | None = "imagenet", input_tensor=None,
             input_shape: tuple | None = None, pooling: str | None = None, classes: int = 1000,
             classifier_activation="softmax", name: str = "resnet50"):
    """Keras's ResNet50: stages of 3, 4, 6, 3 bottleneck blocks (module docstring)."""
    return resnet(50, include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def ResNet101(include_top: bool = True, weights: str | None = "imagenet", input_tensor=None,
              input_shape: tuple | None = None, pooling: str | None = None,
              classes: int = 1000, classifier_activation="softmax", name: str = "resnet101"):
    """Keras's ResNet101: stages of 3, 4, 23, 3 bottleneck blocks."""
    return resnet(101, include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def ResNet152(include_top: bool = True, weights: str | None = "imagenet", input_tensor=None,
              input_shape: tuple | None = None, pooling: str | None = None,
              classes: int = 1000, classifier_activation="softmax", name: str = "resnet152"):
    """Keras's ResNet152: stages of 3, 8, 36, 3 bottleneck blocks."""
    return resnet(152, include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)
