"""Write src/glassnet/datasets/data/font_digits.npz: the digits 0-9 printed in every
installed TrueType/OpenType font (the first of a collection), prepared as MNIST's digits
were (a development tool).

    python tools/make_font_digits.py            # needs Pillow and fontconfig's fc-list

Each digit is drawn black on white at 120 points and read by ``imaging.prepare_digit``,
the function behind ``load_digit`` and ``glassnet predict``: cropped, scaled into 20x20
and centred by its centre of mass in 28x28, white on black. ``glassnet train --augment``
mixes these printed shapes (a 1 with a flag and a foot, a closed 4, a 9 whose tail curls
to the left, as many people write them outside the United States) into MNIST's training
images; ``glassnet.datasets.font_digits`` reads the file.

The committed file was made from the fonts of the machine it was made on (DejaVu,
Liberation and WenQuanYi; the file lists them), sorted by path, so it is reproducible
there.
"""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "glassnet" / "datasets" / "data" / "font_digits.npz"


def font_files() -> list[str]:
    listed = subprocess.run(["fc-list", ":", "file"], capture_output=True, text=True,
                            check=True).stdout.split()
    files = {f.rstrip(":") for f in listed}
    return sorted(f for f in files if f.endswith((".ttf", ".ttc", ".otf")))


def main() -> None:
    from PIL import Image, ImageDraw, ImageFont

    from glassnet import imaging

    images, labels, fonts = [], [], []
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
            fonts.append(Path(path).name)
    np.savez_compressed(OUT, x=np.stack(images), y=np.asarray(labels, np.uint8),
                        fonts=np.asarray(fonts))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(images)} digits from {len(set(fonts))} fonts")


if __name__ == "__main__":
    main()
