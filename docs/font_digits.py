"""The digits 0-9 printed in every installed TrueType/OpenType font (the first font of a
collection), prepared as MNIST's digits were: the printed digits of the ``fontsK`` trials in
docs/augment_trials.py (a trial tool; ``glassnet train --augment`` does not use them).

    python docs/font_digits.py font_digits.npz     # needs Pillow and fontconfig's fc-list

Each digit is drawn black on white at 120 points and read by ``imaging.prepare_digit``, the
function behind ``load_digit`` and ``glassnet predict``: cropped, scaled into 20x20 and
centred by its centre of mass in 28x28, white on black. Fonts print a 1 with a flag and a
foot, a closed 4 and a 9 whose tail curls to the left, as the writers of load_digits write
them. On the machine of the trials: 39 fonts (DejaVu, Liberation, WenQuanYi), 390 digits.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np


def font_files() -> list[str]:
    listed = subprocess.run(["fc-list", ":", "file"], capture_output=True, text=True,
                            check=True).stdout.split()
    files = {f.rstrip(":") for f in listed}
    return sorted(f for f in files if f.endswith((".ttf", ".ttc", ".otf")))


def render() -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)``: ``(10 × fonts, 28, 28)`` uint8 images (255 ink) and their labels."""
    from PIL import Image, ImageDraw, ImageFont

    from glassnet import imaging

    images, labels = [], []
    for path in font_files():
        font = ImageFont.truetype(path, 120)
        for digit in range(10):
            page = Image.new("L", (200, 200), 255)
            ImageDraw.Draw(page).text((40, 10), str(digit), font=font, fill=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", imaging.DigitImageWarning)
                seen = imaging.prepare_digit(np.asarray(page, dtype=np.float32) / 255.0)
            images.append(np.round(seen * 255).astype(np.uint8))
            labels.append(digit)
    return np.stack(images), np.asarray(labels, np.uint8)


if __name__ == "__main__":
    x, y = render()
    np.savez_compressed(sys.argv[1], x=x, y=y)
    print(f"wrote {Path(sys.argv[1])}: {len(x)} digits")
