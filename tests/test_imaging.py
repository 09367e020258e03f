"""MNIST preprocessing of the user's own images (glassnet.imaging)."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import imaging
from glassnet.datasets import mnist
from glassnet.errors import InputError

Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")


@pytest.fixture(scope="module")
def digits():
    _, (xt, yt) = mnist.load_data()
    return xt[:30], yt[:30]


def _on_paper(digit: np.ndarray, canvas=(100, 80), scale=2, at=(10, 5)) -> Image.Image:
    """A dark digit on white paper, enlarged and off-centre: what a user draws."""
    ink = Image.fromarray(255 - digit).resize((28 * scale, 28 * scale),
                                              Image.Resampling.BILINEAR)
    paper = Image.new("L", canvas, 255)
    paper.paste(ink, at)
    return paper


def _centre_of_mass(a):
    rows, cols = np.indices(a.shape)
    return (rows * a).sum() / a.sum(), (cols * a).sum() / a.sum()


def test_drawn_digits_come_out_like_mnist(digits, tmp_path):
    x, _ = digits
    correlations = []
    for i, digit in enumerate(x):
        path = tmp_path / f"{i}.png"
        _on_paper(digit, at=(5 + 2 * i, 20 - i // 2)).save(path)
        seen = imaging.load_digit(path)
        assert seen.shape == (28, 28) and seen.dtype == np.float32
        assert seen.min() >= 0 and seen.max() == pytest.approx(1, abs=1e-6)
        cy, cx = _centre_of_mass(seen)
        assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6
        rows = np.flatnonzero(seen.max(axis=1) > 0.05)
        cols = np.flatnonzero(seen.max(axis=0) > 0.05)
        assert 18 <= max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 22
        correlations.append(np.corrcoef(seen.ravel(), digit.ravel())[0, 1])
    assert np.mean(correlations) > 0.85, correlations
    assert np.min(correlations) > 0.6


def test_white_on_black_is_not_inverted(digits):
    x, _ = digits
    seen = imaging.prepare_digit(x[0] / 255.0)
    assert np.corrcoef(seen.ravel(), x[0].ravel())[0, 1] > 0.9
    inverted = imaging.prepare_digit(1 - x[0] / 255.0)
    np.testing.assert_allclose(seen, inverted, atol=1e-5)


def test_exif_orientation_is_applied(digits, tmp_path):
    x, _ = digits
    upright = _on_paper(x[0])
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as a sideways camera stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    stored.save(tmp_path / "photo.jpg", exif=exif, quality=95)
    upright.save(tmp_path / "upright.png")
    a = imaging.load_digit(tmp_path / "photo.jpg")
    b = imaging.load_digit(tmp_path / "upright.png")
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.95


def test_transparent_background_is_composited_on_white(tmp_path):
    img = Image.new("RGBA", (120, 120), (0, 0, 0, 0))  # transparent *black*
    ImageDraw.Draw(img).line([(60, 15), (60, 105)], fill=(0, 0, 0, 255), width=10)
    img.save(tmp_path / "one.png")
    seen = imaging.load_digit(tmp_path / "one.png")
    # a vertical bar: 20 px tall, narrow, centred
    rows = np.flatnonzero(seen.max(axis=1) > 0.1)
    cols = np.flatnonzero(seen.max(axis=0) > 0.1)
    assert rows[-1] - rows[0] + 1 in (19, 20, 21)
    assert cols[-1] - cols[0] + 1 <= 6
    assert seen[14, 14] > 0.5


def test_photo_with_thin_pen_shading_noise_and_specks(tmp_path):
    rng = np.random.default_rng(0)
    W, H = 1200, 900
    paper = Image.new("L", (W, H), 200)
    ImageDraw.Draw(paper).line([(400, 250), (750, 250), (520, 700)], fill=40, width=9)
    pixels = np.asarray(paper, float) + np.linspace(-30, 30, W)[None, :]
    pixels += rng.normal(0, 8, (H, W))
    pixels[100:104, 1000:1004] = 30  # specks of dirt far from the digit
    pixels[800:803, 200:203] = 20
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).convert("RGB").save(
        tmp_path / "seven.jpg", quality=80)
    seen = imaging.load_digit(tmp_path / "seven.jpg")
    # the specks were ignored: the 7 spans 20 px, centred
    rows = np.flatnonzero(seen.max(axis=1) > 0.1)
    cols = np.flatnonzero(seen.max(axis=0) > 0.1)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21, 22)
    cy, cx = _centre_of_mass(seen)
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6
    # the thin pen line was thickened to MNIST's 2-3 px strokes
    assert (seen > 0.5).sum() > 40
    # the paper is black, not grey
    assert np.median(seen) == 0


def test_blank_image_is_an_input_error(tmp_path):
    Image.new("L", (50, 40), 255).save(tmp_path / "blank.png")
    with pytest.raises(InputError, match="blank.png: no digit found"):
        imaging.load_digit(tmp_path / "blank.png")


def test_components_label_8_connected_blobs():
    mask = np.zeros((6, 7), bool)
    mask[0, 0] = mask[1, 1] = mask[2, 2] = True  # one diagonal stroke
    mask[4:6, 4:7] = True  # a block
    mask[0, 6] = True  # a speck
    labels = imaging._components(mask)
    assert len(np.unique(labels[mask])) == 3
    assert labels[0, 0] == labels[2, 2] and labels[4, 4] == labels[5, 6]
    assert np.all(labels[~mask] == -1)


def test_to_model_input_reshapes_for_the_model():
    class Model:
        input_shape_ = (784,)

    assert imaging.to_model_input(Model(), np.zeros((2, 28, 28))).shape == (2, 784)
    Model.input_shape_ = (28, 28, 1)
    assert imaging.to_model_input(Model(), np.zeros((2, 28, 28))).shape == (2, 28, 28, 1)
    Model.input_shape_ = (10,)
    with pytest.raises(InputError, match="not trained on MNIST"):
        imaging.to_model_input(Model(), np.zeros((2, 28, 28)))


def test_missing_pillow_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setitem(__import__("sys").modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install glassnet\[image\]"):
        imaging.load_digit(tmp_path / "any.png")
