"""``CenterCrop``: the centre ``height x width`` of each image, a preprocessing layer."""

from __future__ import annotations

from .resizing import Resizing, aspect_crop


class CenterCrop(Resizing):
    """``y = x[:, t:t + height, l:l + width]`` with ``t = ⌊(H - height)/2⌋``,
    ``l = ⌊(W - width)/2⌋``; backward: ``dy`` in the box, zeros around it.

    An image smaller than the target on either side is handled as Keras does
    (``smart_resize``): the largest centred box with the target's aspect ratio, resized
    bilinearly to ``height x width``.
    """

    formula = "y = x[:, t:t + height, l:l + width]"

    def __init__(self, height: int, width: int, data_format: str | None = None,
                 **kwargs) -> None:
        super().__init__(height, width, data_format=data_format, **kwargs)

    def box(self, H: int, W: int) -> tuple[int, int, int, int]:
        if H >= self.height and W >= self.width:  # a plain crop: R_h, R_w are identities
            return int((H - self.height) / 2), int((W - self.width) / 2), self.height, \
                self.width
        return aspect_crop(H, W, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        for key in ("interpolation", "crop_to_aspect_ratio"):
            config.pop(key)
        return config
