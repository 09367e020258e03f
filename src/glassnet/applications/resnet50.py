"""``keras.applications.resnet50``: ``ResNet50`` (see ``resnet``) and its preprocessing
('caffe', as VGG's)."""

from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
