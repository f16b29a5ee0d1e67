"""Line charts as SVG files: an image any browser shows, drawn without a plotting library."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

WIDTH, HEIGHT, MARGIN = 720, 360, 40
COLORS = ("#132440", "#BF092F", "#3B9797", "#E5A00D")


def line_chart(lines: dict[str, Sequence[float]], path: Path, title: str) -> Path:
    """One polyline per named series over a shared x axis (the index), with a legend."""
    values = [v for line in lines.values() for v in line]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    longest = max(len(line) for line in lines.values())

    def point(i: int, v: float) -> str:
        x = MARGIN + i * (WIDTH - 2 * MARGIN) / max(1, longest - 1)
        y = HEIGHT - MARGIN - (v - low) * (HEIGHT - 2 * MARGIN) / span
        return f"{x:.1f},{y:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif">',
             '<rect width="100%" height="100%" fill="white"/>',
             f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
             f'<text x="4" y="{MARGIN}" font-size="11">{high:.4g}</text>',
             f'<text x="4" y="{HEIGHT - MARGIN}" font-size="11">{low:.4g}</text>']
    for index, (name, line) in enumerate(lines.items()):
        color = COLORS[index % len(COLORS)]
        points = " ".join(point(i, v) for i, v in enumerate(line))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        parts.append(f'<text x="{WIDTH - MARGIN - 150}" y="{MARGIN + 16 * index}" font-size="12" '
                     f'fill="{color}">{escape(name)}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")
    return path
