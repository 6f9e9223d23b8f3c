"""Open page images archives send, which are often broken: check them, and decode them upright, 8-bit and bounded in memory."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

# Pages larger than this are refused (E158). A 600 dpi scan of an A2 map is ~70 MP; 150 MP
# leaves room for larger sheets and stays under Pillow's own refusal (2 × Image.MAX_IMAGE_PIXELS,
# ~179 MP), so Pillow never decides for us. Deriving a 100 MP RGB PNG takes ~0.5 GB (docs/images-bad-input.md).
MAX_PAGE_PIXELS = 150_000_000
# The largest derivative an image service draws. A bigger page is served scaled down to this
# (info.json says so with maxWidth/maxHeight); the page file itself stays available at full size.
# JPEGs are decoded at 1/2, 1/4 or 1/8 scale straight to near this size, so memory stays bounded.
MAX_SERVED_PIXELS = 25_000_000
PUBLISHED_FORMATS = {"PNG": ".png", "JPEG": ".jpg"}  # what browsers and IIIF viewers show without help
ROTATED_ORIENTATIONS = {5, 6, 7, 8}  # EXIF Orientation values that turn the page a quarter turn
EXIF_ORIENTATION = 0x0112
# How to show the stored pixels upright for each EXIF Orientation (as PIL.ImageOps.exif_transpose does,
# but without its copy of the whole page when there is nothing to turn).
TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
         5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
         8: Image.Transpose.ROTATE_90}


class PageError(Exception):
    """A page image that cannot be published: a message code, what is wrong with the file, and the fix."""

    def __init__(self, code: str, reason: str, fix: str):
        super().__init__(f"{code} {reason}")
        self.code, self.reason, self.fix = code, reason, fix


@contextmanager
def open_page(path: Path):
    """Image.open with Jiyi's pixel limit instead of Pillow's decompression-bomb guard, whose
    warning would be noise for pages we accept and whose error is not an OSError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError:
        raise _too_large(None) from None
    except (OSError, ValueError, SyntaxError) as error:  # Pillow's plugins raise all three on bad headers
        raise PageError("E156", f"is not an image Jiyi can read ({_short(error)})",
                        "export the page again as PNG or JPEG and replace the file") from None
    with image:
        if image.width * image.height > MAX_PAGE_PIXELS:
            raise _too_large(image.size)
        yield image


def check_page(path: Path) -> str:
    """Decode the whole page once, as a viewer would, and return its format ("PNG" or "JPEG").

    Raises PageError for files that are empty, not images, not PNG/JPEG, too large, or
    truncated or damaged: a header alone looks fine for a file cut in half.
    """
    with open_page(path) as image:
        _published_format(image)
        image.draft(image.mode, (1, 1))  # JPEG: decode at 1/8 scale; every byte is still read
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. PNG "Truncated File Read" comes as an error below
                image.load()
        except (OSError, ValueError, SyntaxError) as error:
            raise PageError("E157", f"is truncated or damaged ({_short(error)})",
                            "copy or export the page again from the original scan and replace the file: this one is incomplete") from None
        return image.format


def page_format(path: Path) -> str:
    """"PNG" or "JPEG", from the header; PageError for anything else."""
    with open_page(path) as image:
        return _published_format(image)


def _published_format(image: Image.Image) -> str:
    if image.format not in PUBLISHED_FORMATS:
        raise PageError("E159", f"is a {image.format} image; only PNG and JPEG pages are published",
                        "convert it to PNG (lossless) or JPEG, e.g. `magick page.tif page.png`")
    return image.format


def upright_size(image: Image.Image) -> tuple[int, int]:
    """Width and height as the page is meant to be seen: an EXIF Orientation of 5–8 turns it a quarter."""
    if image.getexif().get(EXIF_ORIENTATION) in ROTATED_ORIENTATIONS:
        return image.height, image.width
    return image.width, image.height


def page_size(path: Path) -> tuple[int, int]:
    """The upright size of a page, from its header only."""
    with open_page(path) as image:
        return upright_size(image)


def served_size(width: int, height: int) -> tuple[int, int]:
    """The size of the largest derivative: the page's own, or scaled down to MAX_SERVED_PIXELS."""
    if width * height <= MAX_SERVED_PIXELS:
        return width, height
    scale = (MAX_SERVED_PIXELS / (width * height)) ** 0.5
    return max(1, int(width * scale)), max(1, int(height * scale))


def decode_upright(path: Path, at_least: tuple[int, int]) -> Image.Image:
    """The page decoded upright and as 8-bit RGB or L (what JPEG takes), at no less than `at_least`
    (upright width, height) and less than twice it. JPEGs are decoded scaled down (1/2 … 1/8)
    so a 100 MP scan never needs its full 300 MB; a PNG has no such shortcut, so it is shrunk by a
    whole factor right after decoding, letting the full page go before anything else is made."""
    with open_page(path) as image:
        orientation = image.getexif().get(EXIF_ORIENTATION)
        want = (at_least[1], at_least[0]) if orientation in ROTATED_ORIENTATIONS else at_least  # in stored pixels
        image.draft(image.mode, want)
        image.load()
    image = eight_bit(image)  # first: reduce() takes no palette or 1-bit images
    factor = min(image.width // want[0], image.height // want[1])
    if factor >= 2:
        image = image.reduce(factor)
    if orientation in TURNS:  # after shrinking: turning a smaller image costs less
        image = image.transpose(TURNS[orientation])
    return image


def eight_bit(image: Image.Image) -> Image.Image:
    """RGB or L for JPEG: 16-bit greys scaled (not clipped to white), CMYK and palettes turned
    to RGB, transparency laid on white paper rather than black."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # Pillow's own convert clips at 255, which turns a 16-bit scan white; scale the range instead.
        return image.convert("I").point(lambda value: value * (255 / 65535)).convert("L")
    if image.mode == "F":
        return image.convert("L")
    if (image.mode == "P" and "transparency" in image.info) or image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return image.convert("L" if image.mode == "1" else "RGB")


def _too_large(size: tuple[int, int] | None) -> PageError:
    shown = f"{size[0]}×{size[1]} pixels" if size else "larger than Pillow opens"
    return PageError("E158", f"is too large to publish ({shown}; the limit is {MAX_PAGE_PIXELS // 1_000_000} megapixels)",
                     "scale the scan down (e.g. to 400 dpi) or split the sheet into pages, then replace the file")


def _short(error: Exception) -> str:
    """Pillow's message without the file path it sometimes repeats (the Problem names the file)."""
    text = str(error) or type(error).__name__
    return text.split(" '")[0] if text.startswith("cannot identify image file") else text
