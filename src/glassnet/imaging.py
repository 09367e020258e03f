"""Turn a photo or drawing of a digit into the 28x28 image an MNIST model expects.

MNIST digits are white on black, and were prepared by LeCun et al. like this:

1. the digit is cropped to its bounding box and scaled (keeping its aspect ratio,
   with anti-aliasing) so that its longer side is 20 pixels;
2. it is placed in a 28x28 field so that its centre of mass is at the centre
   (pixel (14, 14), counting rows and columns from 0).

A model trained on MNIST only works on a new image prepared the same way.
``load_digit`` does these steps, after making the picture look like MNIST's ink:

* EXIF orientation applied (phone photos), transparency composited onto white;
* grayscale, inverted when the background is light (a dark pen on paper);
* contrast stretched from the background level (0) to the ink level (1), with
  everything below a quarter of the way treated as background (shadows, paper grain);
* specks that are much smaller than the digit ignored when cropping;
* thin strokes (a pen on a large photo) thickened to MNIST's 2-3 pixels.

Pillow is needed to read files (``pip install glassnet[image]``); ``prepare_digit``
works on a NumPy array alone.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import InputError

BOX = 20  # the digit's longer side, in pixels
SIZE = 28  # the field
WORK = 256  # longest side processed before cropping (larger photos are reduced first)
MAX_PIXELS = 16_000_000  # the largest image decoded (4000x4000); JPEGs count after draft


def _pillow():
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise ImportError(
            "Reading image files needs Pillow, which is not installed. "
            "Install it with: pip install glassnet[image]   (or: pip install pillow)"
        ) from None
    return Image, ImageOps


def load_digit(path: str | os.PathLike) -> np.ndarray:
    """Read an image file (PNG, JPEG, ...) of one digit; return it MNIST-style.

    Returns a ``(28, 28)`` float32 array in ``[0, 1]``: white (1) digit on black (0),
    scaled into a 20x20 box and centred by its centre of mass.

    Large images are never decoded at full size when the format allows less (JPEG
    decodes at 1/2, 1/4 or 1/8 scale), and are reduced to about ``WORK`` pixels before
    any conversion. An image of more than ``MAX_PIXELS`` pixels after that (judged from
    its header, before decoding) raises ``InputError``, as does a file that is not a
    regular file.
    """
    import warnings

    from .files import open_regular

    Image, ImageOps = _pillow()
    name = os.fspath(path)
    with open_regular(path, "an image file", InputError) as file:
        try:
            with warnings.catch_warnings():  # the size is checked below, with our message
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                img = Image.open(file)
        except Image.UnidentifiedImageError:  # Pillow would name the descriptor, not the file
            raise Image.UnidentifiedImageError(f"cannot identify image file {name!r}") from None
        except Image.DecompressionBombError as err:
            raise InputError(f"{name}: the image is far too large to be a digit ({err}). "
                             f"Shrink it to at most {MAX_PIXELS // 1_000_000} megapixels."
                             ) from None
        with img:
            img.draft(None, (WORK, WORK))  # JPEG: decode at the smallest scale >= WORK
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise InputError(
                    f"{name}: the image is {width}x{height} pixels ({width * height / 1e6:.0f} "
                    f"megapixels); glassnet reads digit images of at most "
                    f"{MAX_PIXELS // 1_000_000} megapixels. Shrink it first (a digit needs a "
                    "few hundred pixels across at most).")
            img = ImageOps.exif_transpose(img)  # the orientation a phone recorded
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and
                                                    "transparency" in img.info):
                rgba = _reduce(img.convert("RGBA"))
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                img = Image.alpha_composite(white, rgba)
            gray = _reduce(img.convert("L"))
            if max(gray.size) > WORK:  # photos: reduce first (anti-aliased), it is faster
                scale = WORK / max(gray.size)
                size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
                gray = gray.resize(size, Image.Resampling.BOX)
            pixels = np.asarray(gray, dtype=np.float32) / 255.0
    try:
        return prepare_digit(pixels)
    except InputError as err:
        raise InputError(f"{name}: {err}") from None


def _reduce(img):
    """Shrink ``img`` by the whole factor that keeps its longer side at least ``WORK``
    (Pillow's ``reduce``: box averaging, alpha premultiplied), so later steps work on
    about ``WORK`` x ``WORK`` pixels whatever the photo's size."""
    factor = max(img.size) // WORK
    return img.reduce(factor) if factor >= 2 else img


def prepare_digit(gray: np.ndarray) -> np.ndarray:
    """MNIST preprocessing of a grayscale image ``gray`` (2-D, values in ``[0, 1]``).

    Either polarity works: dark on light is inverted. Returns ``(28, 28)`` float32.
    """
    gray = np.asarray(gray, dtype=np.float64)
    if gray.ndim != 2 or min(gray.shape) < 2:
        raise InputError(f"prepare_digit needs a 2-D grayscale image, got shape {gray.shape}.")
    if gray.max() > 1.0:
        gray = gray / 255.0
    ink = _normalize(gray)
    ink = _remove_specks(ink)
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        raise InputError("no digit found: the image is blank (or has no contrast). "
                         "Use a dark digit on a light background, or white on black.")
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    digit = _fit_box(ink)
    return _centre(digit)


def _normalize(gray: np.ndarray) -> np.ndarray:
    """Ink in ``[0, 1]`` from grayscale: invert a light background, stretch contrast."""
    h, w = gray.shape
    m = max(1, min(h, w) // 20)  # the border, where the background is
    border = np.concatenate([gray[:m].ravel(), gray[-m:].ravel(),
                             gray[:, :m].ravel(), gray[:, -m:].ravel()])
    background = float(np.median(border))
    if background > 0.5:  # dark ink on light paper: MNIST has light ink on black
        gray = 1.0 - gray
        background = 1.0 - background
    peak = float(np.percentile(gray, 99.9))
    if gray.max() - background < 0.1:  # nothing stands out of the background
        return np.zeros_like(gray)
    peak = max(peak, background + 0.5 * (gray.max() - background))
    # Values less than a quarter of the way from background to ink are paper, shadow or
    # JPEG noise; above it, a linear ramp keeps the anti-aliased edges of strokes.
    low = background + 0.25 * (peak - background)
    return np.clip((gray - low) / (peak - low), 0.0, 1.0)


def _components(mask: np.ndarray) -> np.ndarray:
    """Label 8-connected components of ``mask``: ``labels[i, j]`` is the smallest flat
    index of a pixel in the same component, or -1 off the mask.

    Each round takes the minimum label among neighbours, then jumps pointers
    (``label ← label[label]``), which spreads a label along a stroke in a few rounds.
    """
    h, w = mask.shape
    big = h * w
    labels = np.where(mask, np.arange(big).reshape(h, w), big)
    padded = np.full((h + 2, w + 2), big)
    while True:
        padded[1:-1, 1:-1] = labels
        new = labels.copy()
        for di in (0, 1, 2):
            for dj in (0, 1, 2):
                np.minimum(new, padded[di:di + h, dj:dj + w], out=new)
        new[~mask] = big
        flat = new.ravel()  # a view: a label is the flat index of a pixel of the component
        for _ in range(4):
            on = flat < big
            flat[on] = flat[flat[on]]
        if np.array_equal(new, labels):
            break
        labels = new
    return np.where(mask, labels, -1)


def _remove_specks(ink: np.ndarray) -> np.ndarray:
    """Zero out blobs of ink much smaller than the largest one (dust, noise, dots)."""
    mask = ink > 0
    if not mask.any():
        return ink
    labels = _components(mask)
    ids, inverse = np.unique(labels[mask], return_inverse=True)
    mass = np.bincount(inverse, weights=ink[mask])
    # a digit's strokes may come apart (the bar of a 5, a 4 drawn in two strokes);
    # noise is tiny next to them
    keep = mass >= 0.08 * mass.max()
    if keep.all():
        return ink
    kept = np.zeros_like(mask)
    kept[mask] = keep[inverse]
    return np.where(kept, ink, 0.0)


def _stroke_width(ink: np.ndarray) -> float:
    """Rough stroke width in pixels: inked area over half the outline length."""
    mask = ink > 0.5
    area = mask.sum()
    if area == 0:
        return 0.0
    edges = (mask[1:, :] != mask[:-1, :]).sum() + (mask[:, 1:] != mask[:, :-1]).sum()
    edges += mask[0].sum() + mask[-1].sum() + mask[:, 0].sum() + mask[:, -1].sum()
    return float(2 * area / max(edges, 1))


def _dilate(ink: np.ndarray, r: int) -> np.ndarray:
    """Grey dilation with a ``(2r+1) x (2r+1)`` square: each pixel takes its window's max."""
    h, w = ink.shape
    padded = np.zeros((h + 2 * r, w + 2 * r))
    padded[r:r + h, r:r + w] = ink
    out = np.zeros_like(ink)
    for di in range(2 * r + 1):
        for dj in range(2 * r + 1):
            np.maximum(out, padded[di:di + h, dj:dj + w], out=out)
    return out


def _resize(a: np.ndarray, height: int, width: int) -> np.ndarray:
    """Anti-aliased resize of a float image (Pillow's Lanczos filter, clipped to [0, 1])."""
    Image, _ = _pillow()
    img = Image.fromarray(a.astype(np.float32))
    out = np.asarray(img.resize((width, height), Image.Resampling.LANCZOS), dtype=np.float64)
    return np.clip(out, 0.0, 1.0)


def _fit_box(ink: np.ndarray) -> np.ndarray:
    """Scale the cropped digit so its longer side is 20 px, thickening thin strokes."""
    h, w = ink.shape
    scale = BOX / max(h, w)
    # MNIST strokes are about 2-3 px wide at this scale; a pen on a big photo is thinner.
    width = _stroke_width(ink) * scale
    if 0 < width < 1.5:
        r = int(round((2.0 - width) / scale / 2))
        if r >= 1:
            ink = np.pad(ink, r)
            ink = _dilate(ink, r)
            h, w = ink.shape
            scale = BOX / max(h, w)
    height = max(1, int(round(h * scale)))
    width_px = max(1, int(round(w * scale)))
    digit = _resize(ink, height, width_px)
    if digit.max() > 0:
        digit /= digit.max()
    return digit


def _centre(digit: np.ndarray) -> np.ndarray:
    """Place ``digit`` in a 28x28 field with its centre of mass at pixel (14, 14)."""
    h, w = digit.shape
    canvas = np.zeros((3 * SIZE, 3 * SIZE))
    top, left = SIZE + (SIZE - h) // 2, SIZE + (SIZE - w) // 2
    canvas[top:top + h, left:left + w] = digit
    total = canvas.sum()
    rows, cols = np.indices(canvas.shape)
    cy, cx = (rows * canvas).sum() / total, (cols * canvas).sum() / total
    y0, x0 = int(round(cy)) - SIZE // 2, int(round(cx)) - SIZE // 2
    return canvas[y0:y0 + SIZE, x0:x0 + SIZE].astype(np.float32)


def to_model_input(model, images: np.ndarray) -> np.ndarray:
    """Reshape ``(n, 28, 28)`` images to the model's input shape, e.g. ``(n, 784)`` or
    ``(n, 28, 28, 1)``. Unbuilt models get the images as they are."""
    images = np.asarray(images)
    shape = getattr(model, "input_shape_", None)
    if shape is None or tuple(shape) == images.shape[1:]:
        return images
    if int(np.prod(shape)) != int(np.prod(images.shape[1:])):
        raise InputError(
            f"The model expects inputs of shape (batch, {', '.join(map(str, shape))}), which "
            f"does not hold a {'x'.join(map(str, images.shape[1:]))} image. It was not trained "
            "on MNIST digits."
        )
    return images.reshape((len(images), *shape))


def save_image(image: np.ndarray, path: str | os.PathLike, scale: int = 1) -> None:
    """Write a 2-D array in ``[0, 1]`` as an 8-bit grayscale PNG, optionally enlarged."""
    Image, _ = _pillow()
    pixels = np.clip(np.asarray(image, dtype=np.float64) * 255 + 0.5, 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    img.save(path)
