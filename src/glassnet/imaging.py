"""Turn a photo or drawing of a digit into the 28x28 image an MNIST model expects.

MNIST digits are white on black, and were prepared by LeCun et al. like this:

1. the digit is cropped to its bounding box and scaled (keeping its aspect ratio,
   with anti-aliasing) so that its longer side is 20 pixels;
2. it is placed in a 28x28 field so that its centre of mass is at the centre
   (pixel (14, 14), counting rows and columns from 0).

A model trained on MNIST only works on a new image prepared the same way.
``load_digit`` does these steps, after making the picture look like MNIST's ink:

* EXIF orientation applied (phone photos), transparency composited onto white;
* a sheet of paper on a darker desk found, and the desk painted as paper;
* grayscale, inverted when the background is light (a dark pen on paper), measured
  against the local paper brightness so that shadows are not ink;
* printed ruling, graph-paper and 田字格 lines removed;
* contrast stretched from the background level (0) to the ink level (1): ink a quarter
  of the way from paper to pen, and fainter ink (down to a twentieth) that continues it,
  are kept; faint marks on their own (paper grain, shadows, JPEG noise) are background;
* specks much smaller than the digit, and marks far from it, ignored when cropping,
  with a ``DigitImageWarning`` for a digit cut off by the edge or for several digits;
* thin strokes (a pen on a large photo) thickened to MNIST's 2-3 pixels.

``prepare_digit``'s docstring gives each step's method.

Pillow is needed to read files (``pip install pillow``, or ``pip install ".[image]"`` in
the glassnet folder: glassnet is not on PyPI, so ``glassnet[image]`` is not found);
``prepare_digit`` works on a NumPy array alone.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import InputError
from .i18n import N_, _

BOX = 20  # the digit's longer side, in pixels
SIZE = 28  # the field
WORK = 256  # longest side processed before cropping (larger photos are reduced first)
STRONG = 0.25  # ink this fraction of the way from paper to pen is surely ink...
FAINT = 0.10  # ...and ink at least this far is kept where it continues strong ink
MAX_PIXELS = 16_000_000  # the largest image decoded (4000x4000); JPEGs count after draft


def _pillow():
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise ImportError(
            _("Reading image files needs Pillow, which is not installed. Install it "
              "with: pip install pillow   (or, in the glassnet folder: pip install "
              '".[image]")')
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
    with open_regular(path, _("an image file"), InputError) as file:
        try:
            with warnings.catch_warnings():  # the size is checked below, with our message
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                img = Image.open(file)
        except Image.UnidentifiedImageError:  # Pillow would name the descriptor, not the file
            raise Image.UnidentifiedImageError(_("cannot identify image file {name!r}").format(
                                                     name=name)) from None
        except Image.DecompressionBombError as err:
            raise InputError(_("{name}: the image is far too large to be a digit "
                               "({err}). Shrink it to at most {most} megapixels.").format(
                                   name=name, err=err, most=MAX_PIXELS // 1_000_000)
                             ) from None
        with img:
            img.draft(None, (WORK, WORK))  # JPEG: decode at the smallest scale >= WORK
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise InputError(
                    _("{name}: the image is {width}x{height} pixels ({megapixels:.0f} "
                      "megapixels); glassnet reads digit images of at most {most} "
                      "megapixels. Shrink it first (a digit needs a few hundred pixels "
                      "across at most).").format(
                          name=name, width=width, height=height, megapixels=width * height / 1e6,
                          most=MAX_PIXELS // 1_000_000))
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DigitImageWarning)
        try:
            digit = prepare_digit(pixels)
        except InputError as err:
            raise InputError(f"{name}: {err}") from None
    for warning in caught:  # again, with the file's name
        if issubclass(warning.category, DigitImageWarning):
            warnings.warn(f"{name}: {warning.message}", DigitImageWarning, stacklevel=2)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    return digit


def _reduce(img):
    """Shrink ``img`` by the whole factor that keeps its longer side at least ``WORK``
    (Pillow's ``reduce``: box averaging, alpha premultiplied), so later steps work on
    about ``WORK`` x ``WORK`` pixels whatever the photo's size."""
    factor = max(img.size) // WORK
    return img.reduce(factor) if factor >= 2 else img


class DigitImageWarning(UserWarning):
    """A photo that was read, but whose digit may be misread: cut off by the image's
    edge, or one of several digits."""


def prepare_digit(gray: np.ndarray) -> np.ndarray:
    """MNIST preprocessing of a grayscale image ``gray`` (2-D, values in ``[0, 1]``).

    Either polarity works: dark on light is inverted. Returns ``(28, 28)`` float32.

    The steps, each for a way real photos differ from MNIST:

    1. ``_find_paper``: a light sheet on a darker desk is found (the largest light
       region, nearly rectangular and mostly light); the desk around it becomes paper,
       so the background is judged from the page, not from the image's border;
    2-3. ``_ink``: the background is the border's median: light means dark ink, which
       is measured relative to the local paper brightness, so shadows do not count;
    4. ``_remove_lines``: printed ruling, graph-paper and 田字格 lines (thin, long,
       straight, horizontal or vertical) are subtracted;
    5. contrast stretched (``_normalize``); specks and far-away marks dropped
       (``_keep_digit``, which warns (``DigitImageWarning``) when the digit touches the
       image's or the paper's edge, or when the image holds another mark as large as a
       digit); fainter ink next to the digit added back (``_with_faint_ink``);
    6. cropped, scaled into 20x20 and centred by its centre of mass, as MNIST was.
    """
    gray = np.asarray(gray, dtype=np.float64)
    if gray.ndim != 2 or min(gray.shape) < 2:
        raise InputError(_("prepare_digit needs a 2-D grayscale image, got shape {shape}.").format(
                               shape=gray.shape))
    if gray.max() > 1.0:
        gray = gray / 255.0
    gray, outside = _find_paper(gray)
    ink, lines = _remove_lines(_ink(gray))
    ink = _with_faint_ink(ink, _keep_digit(_normalize(ink, STRONG), outside), lines)
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        raise InputError(_("no digit found: the image is blank (or has no contrast). Use "
                           "a dark digit on a light background, or white on black."))
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    digit = _fit_box(ink)
    return _centre(digit)


def _slide(a: np.ndarray, k: int, axis: int, op) -> np.ndarray:
    """``op`` (``np.minimum`` or ``np.maximum``) over a centred window of ``k`` pixels
    along ``axis``; outside the image the window is ignored.

    Doubling: ``m_2p[i] = op(m_p[i], m_p[i + p])`` covers ``2p`` pixels in one pass, and
    two overlapping windows of ``p`` cover ``k``: ``log2(k) + 1`` passes, not ``k``.
    """
    if k <= 1:
        return a
    a = np.moveaxis(a, axis, 0)
    n = a.shape[0]
    fill = np.inf if op is np.minimum else -np.inf
    before = (k - 1) // 2
    m = np.concatenate([np.full((before, *a.shape[1:]), fill), a,
                        np.full((k - 1 - before, *a.shape[1:]), fill)])
    p = 1
    while 2 * p <= k:
        m = op(m[:-p], m[p:])
        p *= 2
    return np.moveaxis(op(m[:n], m[k - p:k - p + n]), 0, axis)


def _open(a: np.ndarray, k: int, axes=(0, 1)) -> np.ndarray:
    """Grey opening (erode, then dilate) with a ``k``-pixel segment along each of ``axes``:
    it removes bright structures narrower than ``k`` and keeps the rest."""
    for axis in axes:
        a = _slide(a, k, axis, np.minimum)
    for axis in axes:
        a = _slide(a, k, axis, np.maximum)
    return a


def _close(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Grey closing along ``axis``: fills dark gaps shorter than ``k`` (dashes, crossings)."""
    return _slide(_slide(a, k, axis, np.maximum), k, axis, np.minimum)


def _otsu(gray: np.ndarray) -> float:
    """Otsu's threshold: the level that maximises the between-class variance."""
    hist, edges = np.histogram(gray, bins=64, range=(0.0, 1.0))
    p = hist / hist.sum()
    w = np.cumsum(p)
    mu = np.cumsum(p * (edges[:-1] + edges[1:]) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * w - mu) ** 2 / (w * (1 - w))
    if np.isnan(between).all():  # one level only
        return float(gray.mean())
    return float(edges[1:][np.nanargmax(between)])


def _find_paper(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """A light sheet of paper on a darker surround: returns ``gray`` with the surround
    painted in the paper's level, and the surround's mask (``None`` when there is none).

    The sheet is the largest light component (Otsu's threshold), grown into its shadows
    (``_grow``), when the image's border
    is mostly dark (after a closing that fills thin dark lines, which would cut the sheet
    into strips), and with its enclosed marks (the ink) it is large (a fifth of the
    image at least), nearly rectangular (4/5 of its bounding box) and mostly light (3/4):
    a white digit on black fails the last two.
    """
    h, w = gray.shape
    if gray.max() - gray.min() < 0.1:  # blank
        return gray, None
    k = max(3, min(h, w) // 40) | 1
    closed = _slide(_slide(gray, k, 0, np.maximum), k, 1, np.maximum)  # printed lines and
    closed = _slide(_slide(closed, k, 0, np.minimum), k, 1, np.minimum)  # thin ink: paper
    level = _otsu(closed)
    light = closed > level
    border = np.concatenate([light[0], light[-1], light[:, 0], light[:, -1]])
    if border.mean() > 0.5 or not light.any():
        return gray, None
    labels = _components(light)
    ids, counts = np.unique(labels[light], return_counts=True)
    paper = _grow(gray, labels == ids[np.argmax(counts)])
    rest = _components(~paper)
    edge = np.unique(np.concatenate([rest[0], rest[-1], rest[:, 0], rest[:, -1]]))
    outside = np.isin(rest, edge[edge >= 0])
    sheet = ~outside
    rows, cols = np.flatnonzero(sheet.any(axis=1)), np.flatnonzero(sheet.any(axis=0))
    box = (rows[-1] - rows[0] + 1) * (cols[-1] - cols[0] + 1)
    area = sheet.sum()
    if area < 0.2 * h * w or area < 0.8 * box or paper.sum() < 0.75 * area:
        return gray, None
    # the sheet's rim (its shadowed, blurred edge) counts as surround too
    outside = _slide(_slide(outside.astype(float), 5, 0, np.maximum), 5, 1, np.maximum) > 0
    return _extend(gray, ~outside), outside


def _grow(gray: np.ndarray, region: np.ndarray, step: float = 0.05) -> np.ndarray:
    """Grow ``region`` into neighbours at most ``step`` darker than their brightest
    neighbour in it: across a shadow (light fading a little per pixel), the sheet goes
    on; at the sheet's edge or a stroke's (a drop of many steps within a pixel or two),
    it stops."""
    region = region.copy()
    for _step in range(max(gray.shape)):
        near = _slide(_slide(np.where(region, gray, -np.inf), 3, 0, np.maximum),
                      3, 1, np.maximum)
        new = ~region & (near > -np.inf) & (gray >= near - step)
        if not new.any():
            break
        region |= new
    return region


def _extend(gray: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``gray`` with its unknown pixels (``~known``) painted with the nearest known ones'
    level (grey dilation from the known region, a few pixels per round), so a shadow
    across the sheet runs on beyond it instead of ending at a step."""
    values = np.where(known, gray, -np.inf)
    while not known.all():
        grown = _slide(_slide(values, 5, 0, np.maximum), 5, 1, np.maximum)
        new = ~known & (grown > -np.inf)
        if not new.any():
            break
        values[new] = grown[new]
        known = known | new
    return values


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink in ``[0, 1]`` on a background near 0, with shadows and uneven light removed.

    A light border means dark ink on paper. The paper's local brightness is the closing
    ``B`` of ``gray`` with a window ``k`` (a sixth of the image, or three times the
    strokes' width when that is wider),
    and the ink is the relative darkness ``1 − gray / B``: a stroke in a shadow is as
    dark, relative to its paper, as one in the light. Light ink on a dark background
    (MNIST's own polarity) is the white top-hat ``gray − opening(gray)``.
    """
    h, w = gray.shape
    m = max(1, min(h, w) // 20)  # the border, where the background is
    border = np.concatenate([gray[:m].ravel(), gray[-m:].ravel(),
                             gray[:, :m].ravel(), gray[:, -m:].ravel()])
    light = np.median(border) > 0.5  # dark ink on light paper: MNIST has light ink on black
    k = max(9, min(h, w) // 6) | 1
    ink = _ink_with(gray, k, light)
    # a marker's strokes may be wider than k / 3: then the window grows to 3 strokes
    width = _stroke_width(ink > 0.5 * max(float(ink.max()), 1e-6))
    if 3 * width > k:
        ink = _ink_with(gray, min(int(3 * width), min(h, w)) | 1, light)
    return ink


def _ink_with(gray: np.ndarray, k: int, light: bool) -> np.ndarray:
    if light:
        paper = 1.0 - _open(1.0 - gray, k)  # the closing, by duality
        return np.clip(1.0 - gray / np.maximum(paper, 1e-3), 0.0, 1.0)
    return gray - _open(gray, k)


def _remove_lines(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subtract printed lines: ruled, graph-paper and 田字格 lines. Returns the ink
    without them, and the lines' level (0 off the lines).

    A line is a structure at least a third of the image (and 40 pixels) long (after closing gaps of
    dashes and crossing strokes), horizontal or vertical within about a degree, and
    thin: at most ``t`` pixels across (1/80 of the image, at least 2), where a pen's
    strokes in a photo of one digit are wider. Its level, the minimum along it, is
    subtracted, so where a stroke crosses a fainter line the stroke keeps its excess.
    """
    lines = np.zeros_like(ink)
    for along, across in ((1, 0), (0, 1)):
        n = ink.shape[along]
        if max(40, n // 3) > 0.6 * n:  # a small image holds no page of lines
            continue
        t = max(2, round(ink.shape[across] / 80))
        long = _close(ink, max(3, n // 25) | 1, along)  # dashes and crossings bridged
        long = _slide(long, 3, across, np.maximum)  # a line tilted by a degree still fits
        long = _open(long, max(40, n // 3), axes=(along,))
        thin = long - _open(long, t + 3, axes=(across,))  # bars wider than t are strokes
        np.maximum(lines, thin, out=lines)
    clean = ink - np.minimum(ink, lines)
    # a stroke crossing a line as dark as itself: bridge the gap from both sides
    for across, t in ((0, max(2, round(ink.shape[1] / 80))), (1, max(2, round(ink.shape[0] / 80)))):
        d = t + 1
        before = np.roll(clean, d, axis=across)
        after = np.roll(clean, -d, axis=across)
        np.maximum(clean, np.where(lines > 0, np.minimum(before, after), 0), out=clean)
    return clean, lines


def _normalize(ink: np.ndarray, fraction: float) -> np.ndarray:
    """Stretch contrast: ``ink`` (background near 0) to ``[0, 1]``.

    With ``b`` the background (the median) and ``p`` the ink level (the 99.9th
    percentile), returns ``clip((ink − l) / (p − l), 0, 1)`` with ``l = b + fraction (p − b)``:
    values less than ``fraction`` of the way from background to ink are background; above
    it, a linear ramp keeps the anti-aliased edges of strokes.
    """
    background = float(np.median(ink))
    peak = float(np.percentile(ink, 99.9))
    if ink.max() - background < 0.1:  # nothing stands out of the background
        return np.zeros_like(ink)
    peak = max(peak, background + 0.5 * (ink.max() - background))
    low = background + fraction * (peak - background)
    return np.clip((ink - low) / (peak - low), 0.0, 1.0)


def _with_faint_ink(ink: np.ndarray, digit: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Hysteresis: ``digit`` (the digit found in ``_normalize(ink, STRONG)``) with its
    faint continuations: ``_normalize(ink, FAINT)`` within ``r`` pixels (a 64th of the
    image) of the digit, off the printed ``lines`` (and a pixel around them), 0 elsewhere.
    Faint strokes that continue the digit's strong ones are kept (the thin side of a small
    loop: without it 9s read as 3s); faint marks elsewhere (paper grain, shadows, what
    is left of printed lines) are not."""
    k = 2 * max(1, round(min(ink.shape) / 64)) + 1
    near = _slide(_slide((digit > 0).astype(float), k, 0, np.maximum), k, 1, np.maximum) > 0
    on_lines = _slide(_slide(lines, 3, 0, np.maximum), 3, 1, np.maximum) > 0
    faint = np.where(near & ~on_lines, _normalize(ink, FAINT), 0.0)
    return np.maximum(faint, np.where(digit > 0, _normalize(ink, FAINT), 0.0))


def _components(mask: np.ndarray) -> np.ndarray:
    """Label 8-connected components of ``mask``: ``labels[i, j]`` is the smallest flat
    index of a pixel in the same component, or -1 off the mask.

    Each row's runs of pixels are the nodes; a run touches a run of the next row when
    their columns overlap or meet at a corner. Labels (run numbers, which follow the
    flat order) then flow along these edges: each round every edge takes the smaller
    of its two ends' labels, and pointers jump (``label ← label[label]``).
    """
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    change = np.diff(padded, axis=1)
    rows, starts = np.nonzero(change == 1)  # nonzero goes row by row: runs in flat order
    ends = np.nonzero(change == -1)[1] - 1  # inclusive
    stride = w + 2
    start_key, end_key = rows * stride + starts, rows * stride + ends
    # runs b of the next row with b.end >= a.start - 1 and b.start <= a.end + 1
    lo = np.searchsorted(end_key, (rows + 1) * stride + starts - 1, side="left")
    hi = np.searchsorted(start_key, (rows + 1) * stride + ends + 1, side="right")
    count = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(len(rows)), count)
    b = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(count.sum())
    labels = np.arange(len(rows))
    while True:
        m = np.minimum(labels[a], labels[b])
        new = labels.copy()
        np.minimum.at(new, a, m)
        np.minimum.at(new, b, m)
        new = new[new]
        new = new[new]
        if np.array_equal(new, labels):
            break
        labels = new
    out = np.full(h * w, -1)
    lengths = ends - starts + 1
    first_pixel = rows * w + starts
    flat = np.repeat(first_pixel - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    out[flat] = np.repeat(first_pixel[labels], lengths)
    return out.reshape(h, w)


def _keep_digit(ink: np.ndarray, outside: np.ndarray | None = None) -> np.ndarray:
    """Keep the digit: the component of largest ink mass, and the components near it
    (a digit's strokes may come apart: the bar of a 5, a 4 drawn in two strokes) that
    are not specks (8% of its mass at least). Marks farther than a quarter of the
    digit's size are dropped; a large one means several digits, and a warning says so,
    as does a digit that touches the image's edge or the paper's (``outside``).
    """
    import warnings

    mask = ink > 0
    if not mask.any():
        return ink
    labels = _components(mask)
    ids, inverse = np.unique(labels[mask], return_inverse=True)
    mass = np.bincount(inverse, weights=ink[mask])
    rows, cols = np.nonzero(mask)
    top, left = np.full(len(ids), rows.max()), np.full(len(ids), cols.max())
    bottom, right = np.zeros(len(ids), int), np.zeros(len(ids), int)
    np.minimum.at(top, inverse, rows)
    np.minimum.at(left, inverse, cols)
    np.maximum.at(bottom, inverse, rows)
    np.maximum.at(right, inverse, cols)
    main = int(np.argmax(mass))
    size = max(bottom[main] - top[main], right[main] - left[main]) + 1
    gap = np.maximum(np.maximum(top - bottom[main], top[main] - bottom),
                     np.maximum(left - right[main], left[main] - right))
    keep = (mass >= 0.08 * mass[main]) & (gap <= 0.25 * size)
    if ((mass >= 0.3 * mass[main]) & ~keep).any():
        warnings.warn(_("the image seems to hold more than one digit (or another large "
                        "mark); only the largest is read. Crop the photo to one digit."),
                      DigitImageWarning, stacklevel=3)
    kept = np.zeros_like(mask)
    kept[mask] = keep[inverse]
    touching = kept & (ink > 0.25)
    frame = np.zeros_like(mask)
    frame[[0, -1], :] = frame[:, [0, -1]] = True
    rim = np.zeros_like(mask) if outside is None else \
        _slide(_slide(outside.astype(float), 3, 0, np.maximum), 3, 1, np.maximum) > 0
    for edge, where in ((frame, N_("the image")), (rim, N_("the paper"))):
        if (touching & edge).sum() >= 2:
            warnings.warn(_("the digit touches the edge of {where}, so part of it may be "
                            "cut off and misread. Take the photo with a margin around "
                            "the digit.").format(where=_(where)),
                          DigitImageWarning, stacklevel=3)
            break
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
            _("The model expects inputs of shape (batch, {shape}), which does not hold a "
              "{size} image. It was not trained on MNIST digits.").format(
                  shape=", ".join(map(str, shape)), size="x".join(map(str, images.shape[1:])))
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
