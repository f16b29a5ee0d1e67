"""Grids of images drawn with Pillow, as RGB arrays (height, width, 3) of uint8.

The same arrays go to PNG files and to TensorBoard's image tab; no plotting library is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CELL = 32      # pixels per side of one image, scaled up (nearest) from its own size
BORDER = 3     # the frame around an image: green when predicted right, red when wrong
LABEL = 12     # a line of the strip under an image: the prediction, and the true class when wrong
GAP = 2
RIGHT, WRONG, NEUTRAL = (46, 160, 67), (207, 34, 46), (200, 200, 200)


def _tile(image: np.ndarray, cell: int = CELL) -> Image.Image:
    """An image (C, H, W) in [0, 1] as a `cell` x `cell` RGB picture."""
    pixels = (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
    picture = Image.fromarray(pixels[0]) if len(pixels) == 1 else Image.fromarray(pixels[:3].transpose(1, 2, 0))
    return picture.convert("RGB").resize((cell, cell), Image.Resampling.NEAREST)


def grid_size(count: int, columns: int, label: bool, cell: int = CELL) -> tuple[int, int]:
    """(width, height) in pixels of a grid of `count` tiles, `columns` to a row, labelled in two lines."""
    rows = -(-count // columns)
    tile_w, tile_h = cell + 2 * BORDER, cell + 2 * BORDER + (2 * LABEL if label else 0)
    return columns * tile_w + (columns + 1) * GAP, rows * tile_h + (rows + 1) * GAP


def label_length(cell: int = CELL) -> int:
    """Characters of a label line that fit under a tile of `cell` pixels."""
    return (cell + 2 * BORDER) // 6


def grid(images: np.ndarray, frames: Sequence[tuple[int, int, int]], labels: Sequence[tuple[str, str]] | None = None,
         columns: int = 8, cell: int = CELL) -> np.ndarray:
    """Images (n, C, H, W) in [0, 1] in rows of `columns`, each framed in its colour and scaled to
    `cell` pixels a side, optionally labelled with two lines (the second in the frame's colour)."""
    columns = min(columns, len(images))
    canvas = Image.new("RGB", grid_size(len(images), columns, labels is not None, cell), "white")
    draw = ImageDraw.Draw(canvas)
    tile_h = cell + 2 * BORDER + (2 * LABEL if labels is not None else 0)
    length = label_length(cell)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        x, y = GAP + column * (cell + 2 * BORDER + GAP), GAP + row * (tile_h + GAP)
        draw.rectangle([x, y, x + cell + 2 * BORDER - 1, y + cell + 2 * BORDER - 1], fill=frames[index])
        canvas.paste(_tile(image, cell), (x + BORDER, y + BORDER))
        if labels is not None:
            first, second = labels[index]
            draw.text((x + 1, y + cell + 2 * BORDER), first[:length], fill=(0, 0, 0))
            draw.text((x + 1, y + cell + 2 * BORDER + LABEL), second[:length], fill=frames[index])
    return np.asarray(canvas)


def predictions(images: np.ndarray, predicted: np.ndarray, targets: np.ndarray,
                class_names: Sequence[str], columns: int = 8) -> np.ndarray:
    """A grid of images framed green (right) or red (wrong), each named by its predicted class and,
    when wrong, the true class under it in red."""
    frames = [RIGHT if p == t else WRONG for p, t in zip(predicted, targets)]
    labels = [(class_names[int(p)], "" if p == t else class_names[int(t)]) for p, t in zip(predicted, targets)]
    return grid(images, frames, labels, columns)


def filters(weights: np.ndarray, columns: int = 8) -> np.ndarray:
    """A conv layer's filters (F, C, k, k), each scaled to [0, 1] on its own: colour for 3 input
    channels, otherwise the mean over channels in grey."""
    shown = weights if weights.shape[1] == 3 else weights.mean(axis=1, keepdims=True)
    low = shown.min(axis=(1, 2, 3), keepdims=True)
    span = shown.max(axis=(1, 2, 3), keepdims=True) - low
    return grid((shown - low) / np.where(span > 0, span, 1), [NEUTRAL] * len(shown), columns=columns)


def save_png(picture: np.ndarray, path: Path) -> Path:
    Image.fromarray(picture).save(path)
    return path


def ratings(given: np.ndarray, predicted: np.ndarray, users: Sequence[str], items: Sequence[str]) -> np.ndarray:
    """A ratings matrix (users x items): given ratings in bold colour, the model's predictions for
    the pairs nobody rated (NaN in `given`) in grey on white, each cell with its value."""
    low, high = np.nanmin(predicted), np.nanmax(predicted)
    margin_left, margin_top = 6 * 7, 6 * 7
    canvas = Image.new("RGB", (margin_left + len(items) * CELL, margin_top + len(users) * CELL), "white")
    draw = ImageDraw.Draw(canvas)
    for column, name in enumerate(items):
        draw.text((margin_left + column * CELL + 2, 4 + (column % 3) * LABEL), str(name)[:8], fill=(0, 0, 0))
    for row, name in enumerate(users):
        draw.text((2, margin_top + row * CELL + CELL // 3), str(name)[:8], fill=(0, 0, 0))
    for (row, column), value in np.ndenumerate(predicted):
        x, y = margin_left + column * CELL, margin_top + row * CELL
        known = not np.isnan(given[row, column])
        share = ((given[row, column] if known else value) - low) / ((high - low) or 1)
        fill = (255, int(230 - 180 * share), int(160 - 140 * share)) if known else (250, 250, 250)
        draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=fill, outline=NEUTRAL)
        text = f"{given[row, column]:g}" if known else f"{value:.1f}"
        draw.text((x + 6, y + CELL // 3), text, fill=(0, 0, 0) if known else (120, 120, 120))
    return np.asarray(canvas)


PANEL = 240    # pixels per side of one scatter panel
PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
REAL, GENERATED = (170, 170, 170), (207, 34, 46)


def scatter(panels: Sequence[tuple[str, Sequence[tuple[np.ndarray, Sequence[tuple[int, int, int]]]]]],
            bounds: tuple[float, float, float, float]) -> np.ndarray:
    """Side-by-side square panels of 2-D points, each titled; a panel is layers of (points (n, 2),
    one colour per point), drawn in order over the same `bounds` (x_low, x_high, y_low, y_high)."""
    x_low, x_high, y_low, y_high = bounds
    canvas = Image.new("RGB", (len(panels) * (PANEL + GAP) + GAP, PANEL + LABEL + 2 * GAP), "white")
    draw = ImageDraw.Draw(canvas)
    for index, (title, layers) in enumerate(panels):
        left = GAP + index * (PANEL + GAP)
        draw.rectangle([left, LABEL + GAP, left + PANEL - 1, LABEL + GAP + PANEL - 1], outline=NEUTRAL)
        draw.text((left + 2, 1), title, fill=(0, 0, 0))
        for points, colours in layers:
            xs = (points[:, 0] - x_low) / (x_high - x_low or 1) * (PANEL - 1)
            ys = (y_high - points[:, 1]) / (y_high - y_low or 1) * (PANEL - 1)
            for x, y, colour in zip(xs, ys, colours):
                if 1 <= x <= PANEL - 2 and 1 <= y <= PANEL - 2:  # points outside the bounds are left out
                    x, y = x + left, y + LABEL + GAP
                    draw.rectangle([x - 1, y - 1, x + 1, y + 1], fill=tuple(colour))
    return np.asarray(canvas)


def class_colours(labels: np.ndarray) -> list[tuple[int, int, int]]:
    return [PALETTE[int(label) % len(PALETTE)] for label in labels]


def padded_bounds(points: np.ndarray, margin: float = 0.15) -> tuple[float, float, float, float]:
    """The box around `points`, widened by `margin` of its size on each side."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low) * margin + 1e-6
    return float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]), float(high[1] + pad[1])
