"""Built-in image datasets: shipped with scikit-learn or generated as the tutorials do, never downloaded.

Each source returns a `Table` of images (n, channels, height, width) scaled to [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn import datasets

from nnfw.data.table import Table
from nnfw.errors import UserError

PATTERNS = ("vertical stripes", "horizontal stripes", "checkerboard", "gradient")


def digits(binarize: bool = False, classes: Sequence[int] | None = None, per_class: int | None = None) -> Table:
    """scikit-learn's handwritten digits: 1797 images of 8x8 pixels, 10 classes.

    `binarize=True` sets each pixel to 1 where its ink is at least half (8 of 16), else 0:
    the binary images whose likelihood a Bernoulli VAE measures in nats. `classes` keeps only
    those digits (e.g. [5, 6, 7, 8, 9]) and `per_class` the first that many images of each: a
    small labelled set of digits another model never saw, for transfer learning.
    """
    bunch = datasets.load_digits()
    images = bunch.images[:, None] / 16.0
    if binarize:
        images = (images >= 0.5).astype(np.float32)
    kept = np.array(sorted(set(classes))) if classes is not None else bunch.target_names
    if not set(kept.tolist()) <= set(range(10)) or not len(kept):
        raise UserError(f"data.classes={list(classes or [])} must list digits from 0 to 9", "e.g. data.classes=[5,6,7,8,9]")
    rows = np.concatenate([np.flatnonzero(bunch.target == digit)[:per_class] for digit in kept])
    rows.sort()
    labels = np.searchsorted(kept, bunch.target[rows])
    return Table(images[rows], labels, "multiclass", class_names=tuple(str(d) for d in kept))


def shapes(n: int = 200, size: int = 16, noise: float = 0.1, radius: tuple[int, int] = (3, 4),
           side: tuple[int, int] = (6, 7), seed: int = 0) -> Table:
    """Circles (label 0) and squares (label 1), half each, as seeds/004 draws them.

    A circle of a random radius in `radius` (inclusive) sits at the centre; a square of a random
    side in `side` has its top-left corner on the diagonal, at least 2 pixels from the border.
    Gaussian noise of std `noise` is added to every pixel.
    """
    rng = np.random.default_rng(seed)
    half = n // 2
    rows, cols = np.mgrid[:size, :size]
    radii = rng.integers(radius[0], radius[1] + 1, half)
    centre = size // 2
    circles = ((rows - centre) ** 2 + (cols - centre) ** 2)[None] <= radii[:, None, None] ** 2
    sides = rng.integers(side[0], side[1] + 1, n - half)
    corners = np.array([rng.integers(2, size - s - 2) for s in sides])
    inside = (rows[None] >= corners[:, None, None]) & (rows[None] < (corners + sides)[:, None, None])
    across = (cols[None] >= corners[:, None, None]) & (cols[None] < (corners + sides)[:, None, None])
    images = np.concatenate([circles, inside & across]).astype(np.float32)
    images += rng.standard_normal(images.shape) * noise
    labels = np.concatenate([np.zeros(half), np.ones(n - half)])
    order = rng.permutation(n)
    return Table(images[order, None], labels[order], "binary", class_names=("circle", "square"))


def _pattern(kind: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """One clean image of PATTERNS[kind], drawn as seeds/004's denoising example draws it."""
    image = np.zeros((size, size))
    if kind < 2:  # stripes 2-4 pixels wide, as far apart as wide
        width = rng.integers(2, 5)
        lines = np.arange(size) % (2 * width) < width
        image[:] = lines[None, :] if kind == 0 else lines[:, None]
    elif kind == 2:  # checkerboard of 4-pixel blocks
        blocks = np.arange(size) // 4
        image = ((blocks[:, None] + blocks[None, :]) % 2 == 0).astype(float)
    else:  # brightness rising from top to bottom
        image[:] = np.linspace(0, 1, size)[:, None]
    return image


def patterns(n: int = 400, size: int = 16, noise: float = 0.3, seed: int = 0) -> Table:
    """Vertical stripes, horizontal stripes, checkerboards and gradients (a quarter each), plus
    Gaussian noise of std `noise`, clipped to [0, 1] as the tutorial does."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(PATTERNS))
    images = np.stack([_pattern(int(kind), size, rng) for kind in labels])
    images = np.clip(images + rng.standard_normal(images.shape) * noise, 0, 1)
    return Table(images[:, None], labels, "multiclass", class_names=PATTERNS)
