"""Make the synthetic "phone photos" of handwritten digits in this folder.

    python tests/data/photos/make_photos.py      # rewrites the 48 JPEGs beside this script

Each photo is an MNIST *test* digit (index 5000 + i, so it is not one a model trained on)
drawn as ink on a sheet of paper, photographed from above:

* scene: the sheet on a dark desk, on a wooden desk, or filling the whole view;
* sheet: plain, graph paper (a grid of thin coloured lines), ruled lines (with a red
  margin on some), or 田字格 exercise-book boxes (a red or green box with a dashed cross);
* ink: black, blue, dark blue, purple or pencil grey; thin to thick strokes;
* the digit rotated by up to 20°, scaled, and placed off-centre;
* a shadow (a gradient across the photo, or the soft edge of a phone's shadow), paper
  grain, sensor noise and JPEG compression at 200x200 pixels.

The file name holds the digit: ``NN-scene-sheet-LABEL.jpg``. The photos are drawn at
400x400 and reduced, so lines and strokes are anti-aliased as a camera would see them.
Needs Pillow; the images are deterministic for a given NumPy and Pillow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
N = 48
FIRST = 5000  # MNIST test digits from here on
SCENES = ("dark", "wood", "paper")
SHEETS = ("plain", "grid", "ruled", "tianzige")
INKS = [(25, 25, 30), (30, 50, 150), (20, 30, 90), (70, 40, 120), (95, 95, 100)]
BIG = 400  # drawn at this size, saved at half


def desk(rng, scene):
    if scene == "dark":
        level = rng.uniform(30, 75)
        tint = rng.uniform(0.85, 1.1, 3)
        img = np.ones((BIG, BIG, 3)) * level * tint
    else:  # wood: brown with grain along a slightly slanted direction
        y, x = np.mgrid[0:BIG, 0:BIG]
        slant = rng.uniform(-0.2, 0.2)
        grain = np.sin((y + slant * x) / rng.uniform(4, 9) + 3 * np.sin(x / 60.0))
        base = np.array([rng.uniform(110, 160), rng.uniform(70, 100), rng.uniform(35, 60)])
        img = base * (1 + 0.18 * grain[..., None])
    return img + rng.normal(0, 4, (BIG, BIG, 1))


def sheet_lines(draw, rng, sheet, box, digit_at):
    x0, y0, x1, y1 = box
    if sheet == "grid":
        step = rng.integers(18, 28)
        colour = tuple(int(c) for c in rng.choice([(150, 190, 225), (150, 205, 165),
                                                  (215, 170, 150)]))
        for x in range(x0 + int(rng.integers(0, step)), x1, step):
            draw.line([(x, y0), (x, y1)], fill=colour, width=2)
        for y in range(y0 + int(rng.integers(0, step)), y1, step):
            draw.line([(x0, y), (x1, y)], fill=colour, width=2)
    elif sheet == "ruled":
        step = rng.integers(34, 50)
        for y in range(y0 + int(rng.integers(0, step)), y1, step):
            draw.line([(x0, y), (x1, y)], fill=(120, 150, 215), width=2)
        if rng.random() < 0.5:
            x = x0 + int(rng.integers(15, 40))
            draw.line([(x, y0), (x, y1)], fill=(215, 90, 90), width=2)
    elif sheet == "tianzige":  # a row of boxes; the digit is written in one of them
        size, (cx, cy) = digit_at
        colour = (205, 60, 60) if rng.random() < 0.5 else (60, 150, 90)
        half = size // 2
        top, bottom = cy - half, cy + half
        for k in range(-3, 4):
            left = cx - half + k * size
            draw.rectangle([left, top, left + size, bottom], outline=colour, width=3)
            mid_x, mid_y = left + half, cy
            for t in range(left, left + size, 14):  # the dashed cross
                draw.line([(t, mid_y), (t + 7, mid_y)], fill=colour, width=2)
            for t in range(top, bottom, 14):
                draw.line([(mid_x, t), (mid_x, t + 7)], fill=colour, width=2)


def ink_mask(digit, rng, size):
    """The digit as ink coverage in [0, 1]: scaled, thinned or thickened, rotated."""
    img = Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC)
    pen = rng.choice(["thin", "thin", "normal", "thick", "thick"])
    if pen == "thin":
        img = img.filter(ImageFilter.MinFilter(7 if rng.random() < 0.5 else 5))
    elif pen == "thick":
        img = img.filter(ImageFilter.MaxFilter(5 if rng.random() < 0.5 else 9))
    img = img.rotate(rng.uniform(-20, 20), resample=Image.Resampling.BICUBIC, expand=True)
    a = np.asarray(img, float) / 255.0
    return np.clip((a - 0.25) / 0.5, 0, 1), pen  # a pen's edge, not MNIST's soft blur


def shadow(rng):
    y, x = np.mgrid[0:BIG, 0:BIG] / BIG
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * (x - 0.5) + np.sin(angle) * (y - 0.5) + 0.5
    light = 1 - rng.uniform(0.05, 0.35) * np.clip(ramp, 0, 1)
    if rng.random() < 0.4:  # the soft edge of the phone's shadow over part of the sheet
        edge = rng.uniform(0.6, 0.85)
        d = np.cos(angle + 1.0) * (x - 0.5) + np.sin(angle + 1.0) * (y - 0.5) + 0.5
        light *= 1 - rng.uniform(0.2, 0.4) * np.clip((d - edge) / 0.08 + 0.5, 0, 1)
    return light[..., None]


def photo(digit, i, rng):
    scene, sheet = SCENES[i % 3], SHEETS[(i // 3) % 4]
    if scene == "paper":
        box = (0, 0, BIG, BIG)
        img = np.zeros((BIG, BIG, 3))
    else:
        img = desk(rng, scene)
        box = tuple(int(v) for v in (rng.uniform(20, 90), rng.uniform(20, 90),
                                     BIG - rng.uniform(20, 90), BIG - rng.uniform(20, 90)))
        if rng.random() < 0.25:  # the sheet runs off one side of the photo
            box = (0, *box[1:])
    x0, y0, x1, y1 = box
    paper = np.array([rng.uniform(232, 250), rng.uniform(228, 246), rng.uniform(212, 238)])
    sheet_img = Image.new("RGB", (x1 - x0, y1 - y0), tuple(int(c) for c in paper))
    if sheet == "tianzige":
        size = int(rng.uniform(0.65, 0.8) * min(x1 - x0, y1 - y0))
        cx = (x1 - x0) // 2 + int(rng.integers(-15, 16))
        cy = (y1 - y0) // 2 + int(rng.integers(-15, 16))
        digit_size = int(size * rng.uniform(1.0, 1.15))  # MNIST's field has a 4/28 margin
    else:
        size = 0
        digit_size = int(rng.uniform(0.45, 0.7) * min(x1 - x0, y1 - y0))
        cx = cy = None
    sheet_lines(ImageDraw.Draw(sheet_img), rng, sheet, (0, 0, x1 - x0, y1 - y0),
                (size, (cx, cy)))
    mask, pen = ink_mask(digit, rng, digit_size)
    h, w = mask.shape
    if cx is None:  # off-centre, inside the sheet
        cx = int(rng.integers(w // 2, max(w // 2 + 1, x1 - x0 - w // 2)))
        cy = int(rng.integers(h // 2, max(h // 2 + 1, y1 - y0 - h // 2)))
    sheet_px = np.asarray(sheet_img, float) + rng.normal(0, 3, (y1 - y0, x1 - x0, 1))
    ink = np.array(INKS[int(rng.integers(len(INKS)))], float)
    top, left = cy - h // 2, cx - w // 2
    full = np.zeros(sheet_px.shape[:2])
    ys, xs = slice(max(top, 0), min(top + h, full.shape[0])), \
        slice(max(left, 0), min(left + w, full.shape[1]))
    full[ys, xs] = mask[ys.start - top:ys.stop - top, xs.start - left:xs.stop - left]
    a = full[..., None] * rng.uniform(0.85, 1.0)
    sheet_px = sheet_px * (1 - a) + ink * a
    img[y0:y1, x0:x1] = sheet_px
    img = img * shadow(rng) + rng.normal(0, 3, (BIG, BIG, 1))
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    out = out.resize((BIG // 2, BIG // 2), Image.Resampling.LANCZOS)
    return out, f"{i:02d}-{scene}-{sheet}"


def main() -> None:
    from glassnet.datasets import mnist

    _, (x, y) = mnist.load_data()
    rng = np.random.default_rng(14)
    for old in HERE.glob("*.jpg"):
        old.unlink()
    for i in range(N):
        img, name = photo(x[FIRST + i], i, rng)
        img.save(HERE / f"{name}-{y[FIRST + i]}.jpg", quality=82)


if __name__ == "__main__":
    main()
