"""How many real handwritten digits that are not MNIST a model reads right.

    python docs/real_handwriting.py model.glassnet cnn.glassnet    # models you trained
    python docs/real_handwriting.py --limit 300 model.glassnet     # a quicker look

The digits are scikit-learn's ``load_digits``: 1,797 digits written by 43 people (UCI
"Optical Recognition of Handwritten Digits", not MNIST's writers), stored as 8x8 counts
of ink (0-16). Each is made into a photo-like picture, the way a learner's own digit
reaches ``glassnet predict``:

* the 8x8 grid enlarged to 112x112 pixels with a smooth (bicubic) filter, and the photo
  blurred a little, so the strokes have soft edges instead of 14-pixel squares;
* drawn as dark ink (grey-blue, not black) on off-white paper, on a 200x200 sheet with
  the digit placed off centre, under a gentle shadow that darkens one side;
* camera noise added and the picture saved as a JPEG (quality 85).

Everything is drawn from a seeded generator, so every run makes the same pictures. Each
picture then goes through ``glassnet.imaging.load_digit``, the function ``glassnet
predict`` calls, and the model's ``predict``. Prints the accuracy of each model, per
digit, and which digits it most often takes for which.

Needs scikit-learn and Pillow (``pip install scikit-learn pillow``).
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np

SHEET = 200  # the photo's side, in pixels
DIGIT = 112  # the 8x8 digit's side once enlarged (14 pixels per cell)


def photo(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One 8x8 ``load_digits`` image (ink counts 0-16) as a ``(SHEET, SHEET)`` uint8
    grayscale photo of dark ink on light paper."""
    from PIL import Image, ImageFilter

    ink = Image.fromarray((counts / 16.0 * 255).astype(np.uint8))
    ink = ink.resize((DIGIT, DIGIT), Image.Resampling.BICUBIC)
    sheet = Image.new("L", (SHEET, SHEET))
    left, top = (int(v) for v in rng.integers(20, SHEET - DIGIT - 20, size=2))
    sheet.paste(ink, (left, top))
    sheet = np.asarray(sheet.filter(ImageFilter.GaussianBlur(2)), dtype=np.float64) / 255.0
    paper = rng.uniform(0.8, 0.95)
    pen = rng.uniform(0.1, 0.3)
    shade = 1.0 - rng.uniform(0.0, 0.15) * np.linspace(0, 1, SHEET)  # light from one side
    shade = shade[:, None] if rng.random() < 0.5 else shade[None, :]
    gray = (paper + (pen - paper) * sheet) * shade
    gray += rng.normal(0.0, 0.02, gray.shape)
    return (np.clip(gray, 0, 1) * 255 + 0.5).astype(np.uint8)


def make_photos(folder: Path, limit: int | None = None, seed: int = 0
                ) -> tuple[list[Path], np.ndarray]:
    """Write the photos into ``folder`` as JPEGs; return their paths and labels."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    images, labels = digits.images[:limit], digits.target[:limit]
    rng = np.random.default_rng(seed)
    paths = []
    for i, counts in enumerate(images):
        path = folder / f"{i:04d}-{labels[i]}.jpg"
        Image.fromarray(photo(counts, rng)).save(path, quality=85)
        paths.append(path)
    return paths, np.asarray(labels)


def seen_by_predict(paths: list[Path]) -> np.ndarray:
    """The 28x28 images ``glassnet predict`` hands the model, one per photo."""
    from glassnet import imaging

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", imaging.DigitImageWarning)
        return np.stack([imaging.load_digit(p) for p in paths])


def report(name: str, predicted: np.ndarray, labels: np.ndarray) -> float:
    """Print the accuracy overall and per digit, and the most common confusions."""
    right = predicted == labels
    print(f"{name}: {right.mean():.1%} of {len(labels)} digits right "
          f"(even-numbered {right[::2].mean():.1%}, odd-numbered {right[1::2].mean():.1%})")
    per_digit = "  ".join(f"{d}: {right[labels == d].mean():.0%}" for d in range(10)
                          if (labels == d).any())
    print(f"  per digit  {per_digit}")
    pairs, counts = np.unique(np.stack([labels[~right], predicted[~right]], axis=1), axis=0,
                              return_counts=True)
    top = np.argsort(-counts, kind="stable")[:5]
    if len(top):
        print("  most often  " + ", ".join(f"{a} read as {b} ({n}x)"
                                           for (a, b), n in zip(pairs[top], counts[top])))
    return float(right.mean())


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", metavar="MODEL", help=".glassnet files")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="only the first N of the 1,797 digits")
    parser.add_argument("--keep", metavar="DIR", default=None,
                        help="write the photos into DIR (to look at them) instead of a "
                             "temporary folder")
    args = parser.parse_args(argv)

    from glassnet import imaging, load_model

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths, labels = make_photos(folder, args.limit)
        seen = seen_by_predict(paths)
    results = {}
    for path in args.models:
        model = load_model(path)
        probs = model.predict(imaging.to_model_input(model, seen), verbose=0)
        results[path] = report(path, probs.argmax(axis=1), labels)
    return results


if __name__ == "__main__":
    main()
