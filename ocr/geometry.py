"""Ink, profiles and boxes of a page: the arithmetic layout detection and the engines share.

A page is a greyscale numpy array (0 black … 255 white). Boxes are [x, y, width, height].
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image


def otsu_threshold(grey: np.ndarray) -> int:
    """The grey level that best splits the page into ink and paper (Otsu's method)."""
    counts = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    total = counts.sum()
    levels = np.arange(256)
    weight_dark = np.cumsum(counts)
    sum_dark = np.cumsum(counts * levels)
    mean_all = sum_dark[-1] / total
    weight_light = total - weight_dark
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_all * weight_dark - sum_dark) ** 2 / (weight_dark * weight_light)
    return int(np.nanargmax(between))


def ink_of(grey: np.ndarray) -> np.ndarray:
    """True where the page has ink. A page with hardly any contrast anywhere (blank paper) has none.

    Contrast is looked for tile by tile: a few lines in a corner of a large scan are too small a
    share of the whole page to show in its percentiles, but fill their own tile."""
    if max(_contrast(tile) for tile in _tiles(grey, 8)) < 40:  # paper grain and scanner noise, not writing
        return np.zeros(grey.shape, dtype=bool)
    return grey < otsu_threshold(grey)


def _tiles(grey: np.ndarray, across: int) -> list[np.ndarray]:
    rows = np.array_split(np.arange(grey.shape[0]), min(across, grey.shape[0]))
    columns = np.array_split(np.arange(grey.shape[1]), min(across, grey.shape[1]))
    return [grey[r[0]:r[-1] + 1, c[0]:c[-1] + 1] for r in rows for c in columns]


def _contrast(tile: np.ndarray) -> float:
    low, high = np.percentile(tile, [1, 99])
    return float(high - low)


def runs(profile: np.ndarray, floor: float = 0) -> list[tuple[int, int]]:
    """The [start, end) stretches where the profile is above `floor`: lines of ink between gaps."""
    inked = np.concatenate([[False], profile > floor, [False]])
    edges = np.flatnonzero(inked[1:] != inked[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def empty_share(profile: np.ndarray) -> float:
    """The share of a profile, between its first and last ink, that has none: the gaps between lines."""
    inked = np.flatnonzero(profile > 0)
    if len(inked) < 2:
        return 0.0
    inside = profile[inked[0]:inked[-1] + 1]
    return float(np.mean(inside == 0))


def rotate_grey(grey: np.ndarray, degrees: float) -> np.ndarray:
    """The page turned `degrees` clockwise about its centre, same size, corners filled with paper."""
    if not degrees:
        return grey
    image = Image.fromarray(grey)
    return np.asarray(image.rotate(-degrees, resample=Image.Resampling.BILINEAR, fillcolor=255))


def union(boxes: list[list[int]]) -> list[int]:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return [x0, y0, x1 - x0, y1 - y0]


def split_box(box: list[int], parts: int, vertical: bool) -> list[list[int]]:
    """A word's box cut into equal parts along the reading direction, one per character."""
    x, y, w, h = box
    if parts <= 1:
        return [list(box)]
    if vertical:
        return [[x, y + round(h * i / parts), w, max(1, round(h * (i + 1) / parts) - round(h * i / parts))]
                for i in range(parts)]
    return [[x + round(w * i / parts), y, max(1, round(w * (i + 1) / parts) - round(w * i / parts)), h]
            for i in range(parts)]


class PageFrame:
    """How the pixels an engine read relate to the page as published, to put boxes back on it.

    Reading may scale the page (huge scans), turn it a quarter or half turn (rotated scans)
    and straighten it by a few degrees (skew); `to_page` undoes all three.
    """

    def __init__(self, width: int, height: int, scale: float = 1.0, rotation: int = 0, skew: float = 0.0):
        self.width, self.height = width, height  # of the published page
        self.scale, self.rotation, self.skew = scale, rotation, skew
        # size of the scaled page, then of the turned one (which the skew rotation keeps)
        self.scaled = (round(width * scale), round(height * scale))
        self.turned = self.scaled if rotation in (0, 180) else self.scaled[::-1]

    def to_page(self, box: list[float]) -> list[int]:
        x, y, w, h = box
        corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
        points = [self._point(px, py) for px, py in corners]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        x0, y0 = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
        x1, y1 = min(self.width, math.ceil(max(xs))), min(self.height, math.ceil(max(ys)))
        return [x0, y0, max(1, x1 - x0), max(1, y1 - y0)]

    def _point(self, x: float, y: float) -> tuple[float, float]:
        tw, th = self.turned
        if self.skew:  # the page was turned `skew` degrees clockwise about its centre: turn back
            cx, cy = tw / 2, th / 2
            angle = math.radians(-self.skew)
            dx, dy = x - cx, y - cy
            x, y = cx + dx * math.cos(angle) - dy * math.sin(angle), cy + dx * math.sin(angle) + dy * math.cos(angle)
        sw, sh = self.scaled
        if self.rotation == 90:  # turned clockwise: a point (x, y) came from (y, sh - x)
            x, y = y, sh - x
        elif self.rotation == 180:
            x, y = sw - x, sh - y
        elif self.rotation == 270:
            x, y = sw - y, x
        return x / self.scale, y / self.scale
