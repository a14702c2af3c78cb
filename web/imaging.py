"""Image processing for uploads, with Pillow. Pure and synchronous: call it in a thread.

Every upload is decoded and re-encoded: the type comes from the pixels (never from the file name or the
browser's Content-Type), metadata (EXIF with GPS, XMP, ICC, comments) is dropped because only pixels are
written back, the EXIF orientation is applied first, and the size is capped.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

ATTACHMENT = "attachment"
AVATAR = "avatar"
HEADER = "header"
# The instance's logo (kept whole, at most LOGO_SIZE) and favicon (a square, FAVICON_SIDE at most).
LOGO = "logo"
FAVICON = "favicon"
PURPOSES = (ATTACHMENT, AVATAR, HEADER, LOGO, FAVICON)

# Pillow format -> (Content-Type, file extension). Nothing else is accepted.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
MAX_SIDE = 2048  # attachments: the long side, at most
AVATAR_SIDE = 400  # avatars: a square, at most
HEADER_SIZE = (1500, 500)  # headers: 3:1, at most
LOGO_SIZE = (800, 200)  # logos: within this box, shape kept
FAVICON_SIDE = 256  # favicons: a square, at most
# Decompression bombs: a small file that claims a huge canvas is refused before any pixel is decoded.
MAX_PIXELS = 50_000_000
# Animated GIF and WebP attachments stay animated within these bounds (all frames are held in memory).
MAX_FRAMES = 300
MAX_ANIMATION_PIXELS = 30_000_000
JPEG_QUALITY = 85


def N_(message: str) -> str:
    """Marks a message for translation (babel.cfg); pages translate it where they show it."""
    return message


class MediaError(Exception):
    """An upload Moot will not store. `template` % `variables` is the message; pages translate the template."""

    def __init__(self, template: str, status: int = 422, **variables: Any) -> None:
        super().__init__(template % variables if variables else template)
        self.template = template
        self.variables = variables
        self.status = status


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    media_type: str
    extension: str
    width: int
    height: int


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


def too_large(size: int, limit: int) -> MediaError:
    return MediaError(N_("The image is too large (%(size)s). The limit is %(limit)s."), 413,
                      size=human_size(size), limit=human_size(limit))


def process_image(data: bytes, purpose: str, max_bytes: int) -> ProcessedImage:
    """Check, clean and resize an uploaded image, or raise MediaError saying why not."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown media purpose {purpose!r}")
    if not data:
        raise MediaError(N_("The file is empty. Choose an image to upload."))
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            return _process(image, purpose)
    except UnidentifiedImageError:
        raise _unidentified(data) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise MediaError(N_("The image could not be read: the file may be damaged or incomplete.")) from None


def _unidentified(data: bytes) -> MediaError:
    """Not one of our formats: say whether it is another kind of image or not an image at all."""
    head = data[:512].lstrip().lower()
    other_image = head.startswith((b"<svg", b"<?xml")) and b"<svg" in head
    if not other_image:
        try:
            with Image.open(io.BytesIO(data)) as image:  # header only: no pixels are decoded
                other_image = bool(image.format)
        except Exception:  # noqa: BLE001 - any failure here just means "not an image"
            other_image = False
    if other_image:
        return _unsupported()
    return MediaError(N_("This file is not an image. Upload a JPEG, PNG, GIF or WebP image."), 415)


def _unsupported() -> MediaError:
    return MediaError(N_("This type of image is not supported. Upload a JPEG, PNG, GIF or WebP image."), 415)


def _too_many_pixels() -> MediaError:
    return MediaError(N_("The image has too many pixels (at most %(limit)s megapixels)."), 413,
                      limit=MAX_PIXELS // 1_000_000)


def _process(image: Image.Image, purpose: str) -> ProcessedImage:
    kind = image.format or ""
    if kind not in FORMATS:
        raise _unsupported()
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise _too_many_pixels()
    frames = getattr(image, "n_frames", 1) if kind in ("GIF", "WEBP") else 1
    if frames > 1 and purpose == ATTACHMENT:
        if frames > MAX_FRAMES or frames * width * height > MAX_ANIMATION_PIXELS:
            raise MediaError(N_("The animation is too long or too large. Upload a shorter or smaller one."),
                             413)
        return _encode_animation(image, kind)
    if kind == "JPEG":
        # Decode at a reduced scale when the result will be smaller anyway (saves memory and time).
        side = {ATTACHMENT: MAX_SIDE, AVATAR: AVATAR_SIDE, HEADER: HEADER_SIZE[0], LOGO: LOGO_SIZE[0],
                FAVICON: FAVICON_SIDE}[purpose]
        image.draft(None, (side, side))
    frame = _normalise(ImageOps.exif_transpose(image), kind)
    frame = _fit(frame, purpose)
    return _encode(frame, kind)


def _normalise(frame: Image.Image, kind: str) -> Image.Image:
    """Pixels only, in a mode every encoder takes: L, LA, RGB or RGBA. Drops every metadata item."""
    if frame.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        frame = frame.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    gray = frame.mode in ("1", "L", "LA", "La")
    alpha = frame.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in frame.info
    if kind == "JPEG":
        target = "L" if gray else "RGB"
    else:
        target = ("LA" if gray else "RGBA") if alpha else ("L" if gray else "RGB")
    clean = frame.convert(target) if frame.mode != target else frame.copy()
    clean.info = {}
    return clean


def _fit(frame: Image.Image, purpose: str) -> Image.Image:
    width, height = frame.size
    if purpose == AVATAR:
        side = min(AVATAR_SIDE, width, height)
        return ImageOps.fit(frame, (side, side), Image.Resampling.LANCZOS)
    if purpose == HEADER:
        box_width = max(1, min(HEADER_SIZE[0], width, height * 3))
        return ImageOps.fit(frame, (box_width, max(1, box_width // 3)), Image.Resampling.LANCZOS)
    if purpose == FAVICON:
        side = min(FAVICON_SIDE, width, height)
        return ImageOps.fit(frame, (side, side), Image.Resampling.LANCZOS)
    if purpose == LOGO:
        frame.thumbnail(LOGO_SIZE, Image.Resampling.LANCZOS)
        return frame
    if max(width, height) > MAX_SIDE:
        frame.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return frame


def _encode(frame: Image.Image, kind: str) -> ProcessedImage:
    out = io.BytesIO()
    if kind == "JPEG":
        frame.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif kind == "WEBP":
        frame.save(out, "WEBP", quality=JPEG_QUALITY)
    else:
        frame.save(out, kind)
    media_type, extension = FORMATS[kind]
    return ProcessedImage(out.getvalue(), media_type, extension, frame.width, frame.height)


def _encode_animation(image: Image.Image, kind: str) -> ProcessedImage:
    """Animated GIF / WebP: every frame cleaned and resized the same way, timings and looping kept."""
    loop = image.info.get("loop", 0)
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        durations.append(int(frame.info.get("duration") or 100))
        frames.append(_fit(_normalise(frame.convert("RGBA"), kind), ATTACHMENT))
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": JPEG_QUALITY} if kind == "WEBP" else {"disposal": 2}
    frames[0].save(out, kind, save_all=True, append_images=frames[1:], duration=durations, loop=loop, **options)
    media_type, extension = FORMATS[kind]
    return ProcessedImage(out.getvalue(), media_type, extension, frames[0].width, frames[0].height)
