"""``keras.applications.mobilenet_v2``: MobileNetV2 (Sandler et al., "MobileNetV2: Inverted
Residuals and Linear Bottlenecks", CVPR 2018), Keras's layer names and ImageNet weights.

Stem: 3x3/2 convolution (``Conv1``, 32·alpha filters), batch norm, ReLU6. Then 17 inverted
residual blocks; block ``i`` with expansion ``t``, output ``c`` channels and stride ``s``:

    h = relu6(BN(conv1x1_{t·c_in}(x)))        (the expansion; absent in block 0)
    h = relu6(BN(depthwise3x3_s(h)))          (stride 2: zero padding first, 'valid')
    y = BN(conv1x1_c(h)) [+ x when s = 1 and c = c_in]   (linear bottleneck)

Then ``Conv_1`` (1x1, 1280), batch norm, ReLU6, and global average pooling plus
``predictions`` for the classifier. Batch norms: ``epsilon=1e-3, momentum=0.999``.
alpha=1.0 has 3,538,984 parameters (2,257,984 without the top). Preprocessing: 'tf'
(``x / 127.5 - 1``).
"""

from __future__ import annotations

import warnings

from ..i18n import _
from . import _builder, imagenet_utils

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]

#: (expansion t, output channels c, stride s) of blocks 0 ... 16
BLOCKS = ((1, 16, 1), (6, 24, 2), (6, 24, 1), (6, 32, 2), (6, 32, 1), (6, 32, 1),
          (6, 64, 2), (6, 64, 1), (6, 64, 1), (6, 64, 1), (6, 96, 1), (6, 96, 1), (6, 96, 1),
          (6, 160, 2), (6, 160, 1), (6, 160, 1), (6, 320, 1))
ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
ROWS = (96, 128, 160, 192, 224)
#: Keras publishes no hashes for these files
WEIGHTS_FILE = "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}{top}.h5"


def make_divisible(v: float, divisor: int = 8) -> int:
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``divisor``), going
    up once more if rounding lost over 10% (the paper's channel rule)."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def _bn_relu6(x, name: str, relu: bool = True):
    from .. import layers

    x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name[0])(x)
    return layers.ReLU(6.0, name=name[1])(x) if relu else x


def _block(x, expansion: int, filters: int, stride: int, alpha: float, block_id: int):
    """One inverted residual block (the formulas in the module's docstring)."""
    from .. import layers

    c_in = x.shape[-1]
    out = make_divisible(int(filters * alpha))
    p = f"block_{block_id}_" if block_id else "expanded_conv_"
    h = x
    if block_id:
        h = layers.Conv2D(expansion * c_in, 1, padding="same", use_bias=False,
                          name=p + "expand")(h)
        h = _bn_relu6(h, (p + "expand_BN", p + "expand_relu"))
    if stride == 2:
        h = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h.shape[1:3], 3),
                                 name=p + "pad")(h)
    h = layers.DepthwiseConv2D(3, strides=stride, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=p + "depthwise")(h)
    h = _bn_relu6(h, (p + "depthwise_BN", p + "depthwise_relu"))
    h = layers.Conv2D(out, 1, padding="same", use_bias=False, name=p + "project")(h)
    h = _bn_relu6(h, (p + "project_BN", None), relu=False)
    if c_in == out and stride == 1:
        return layers.Add(name=p + "add")([x, h])
    return h


def MobileNetV2(input_shape: tuple | None = None, alpha: float = 1.0,
                include_top: bool = True, weights: str | None = "imagenet",
                input_tensor=None, pooling: str | None = None, classes: int = 1000,
                classifier_activation="softmax", name: str | None = None):
    """Keras's MobileNetV2 (module docstring). ``alpha`` scales every layer's channels;
    ImageNet weights exist for alpha in 0.35, 0.5, 0.75, 1.0, 1.3, 1.4 and square inputs
    of 96, 128, 160, 192 or 224 pixels (others get the 224 weights, with a warning)."""
    from .. import layers

    _builder.check_weights(weights, include_top, classes)
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    default = 224
    if input_shape is not None and input_shape[0] == input_shape[1] \
            and input_shape[0] in ROWS:
        default = input_shape[0]
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default, 32, include_top,
                                                    weights)
    rows = input_shape[0]
    if weights == "imagenet":
        if alpha not in ALPHAS:
            raise ValueError(_("MobileNetV2 ImageNet weights exist for alpha in {alphas}; "
                               "got alpha={alpha}. Use one of those or weights=None.").format(
                                   alphas=ALPHAS, alpha=alpha))
        if rows != input_shape[1] or rows not in ROWS:
            rows = 224
            warnings.warn(_("MobileNetV2: input_shape={input_shape} is not square with a "
                            "side in {rows}: the weights for 224x224 are loaded.").format(
                                input_shape=input_shape, rows=ROWS), stacklevel=2)
    img_input = _builder.make_input(input_tensor, input_shape)
    x = layers.Conv2D(make_divisible(32 * alpha), 3, strides=(2, 2), padding="same",
                      use_bias=False, name="Conv1")(img_input)
    x = _bn_relu6(x, ("bn_Conv1", "Conv1_relu"))
    for block_id, (t, c, s) in enumerate(BLOCKS):
        x = _block(x, t, c, s, alpha, block_id)
    last = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = _bn_relu6(x, ("Conv_1_bn", "out_relu"))
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = _builder.predictions(x, classes, classifier_activation, weights)
    else:
        x = _builder.pool(x, pooling)
    name = name or f"mobilenetv2_{alpha:0.2f}_{rows}"
    fname = WEIGHTS_FILE.format(alpha=float(alpha), rows=rows,
                                top="" if include_top else "_no_top")
    return _builder.finish(img_input, input_tensor, x, name, weights, fname)


def preprocess_input(x, data_format: str | None = None):
    """RGB [0, 255] -> [-1, 1]: ``x / 127.5 - 1`` (``imagenet_utils``'s 'tf')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
