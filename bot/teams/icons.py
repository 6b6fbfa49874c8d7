"""The Teams app icons, drawn in pure Python (PNG written with zlib and struct).

- color.png, 192×192: two white interlaced rings (the alliance) on the accent blue;
- outline.png, 32×32: the same rings in white on a transparent background (Teams' rule for
  outline icons: white and transparent only).

`python -m bot.teams.icons` rewrites both files in bot/manifests/teams/.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

ACCENT = (0x0B, 0x53, 0x94)  # the manifest's accentColor, #0B5394
WHITE = (255, 255, 255)
MANIFEST_DIR = Path(__file__).resolve().parent.parent / "manifests" / "teams"
SUPERSAMPLING = 4

Pixel = tuple[int, int, int, int]


def png_bytes(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG whose pixel (x, y) is `pixel(x, y)`."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type 0 (None)
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _rings_coverage(size: int) -> Callable[[int, int], float]:
    """The fraction of pixel (x, y) covered by two interlaced rings, supersampled."""
    radius = size * 0.25
    thickness = size * 0.085
    centers = ((size * 0.38, size * 0.5), (size * 0.62, size * 0.5))
    step = 1.0 / SUPERSAMPLING

    def inside(px: float, py: float) -> bool:
        for cx, cy in centers:
            distance = math.hypot(px - cx, py - cy)
            if abs(distance - radius) <= thickness / 2:
                return True
        return False

    def coverage(x: int, y: int) -> float:
        hits = 0
        for i in range(SUPERSAMPLING):
            for j in range(SUPERSAMPLING):
                if inside(x + (i + 0.5) * step, y + (j + 0.5) * step):
                    hits += 1
        return hits / (SUPERSAMPLING * SUPERSAMPLING)

    return coverage


def color_icon(size: int = 192) -> bytes:
    coverage = _rings_coverage(size)

    def pixel(x: int, y: int) -> Pixel:
        c = coverage(x, y)
        r, g, b = (round(a + (w - a) * c) for a, w in zip(ACCENT, WHITE, strict=True))
        return (r, g, b, 255)

    return png_bytes(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    coverage = _rings_coverage(size)

    def pixel(x: int, y: int) -> Pixel:
        return (*WHITE, round(255 * coverage(x, y)))

    return png_bytes(size, size, pixel)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG; ValueError when `data` is not one."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def write_icons(folder: Path = MANIFEST_DIR) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "color.png").write_bytes(color_icon())
    (folder / "outline.png").write_bytes(outline_icon())


if __name__ == "__main__":
    write_icons()
