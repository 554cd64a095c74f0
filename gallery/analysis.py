"""The culling assistant's eyes: one proof's pixels in, what a photographer looks for out.

Pure: no models, no storage. It reads the upright, unwatermarked picture at ANALYSIS_EDGE
(made by gallery.imaging from the preview it already decoded) and measures:

- faces (dlib's HOG detector) and, for each, how open each eye is: the eye aspect ratio of
  the 68-point landmarks, (|p2-p6| + |p3-p5|) / 2|p1-p4|, about 0.3 for an open eye and under
  0.2 for a closed one. The ratio alone mistakes a laugh's narrowed eyes for a blink, so an
  eye also counts as open when the white of the eye shows: the brightest of the band between
  its corners is brighter than the skin just below it;
- focus: the variance of the Laplacian over the sharpest face, or over the centre when there
  is none, each scaled first to a fixed size so near and far faces compare fairly; whether a
  photo is soft is decided against the rest of its gallery (gallery.culling);
- exposure: the share of the subject's pixels blown to white or crushed to black;
- a 64-bit difference hash, so near-identical frames can be told apart from the rest.

Models come from installed packages (dlib-bin, face-recognition-models) and run on the CPU;
nothing is downloaded. Every measure copes with no face, fifty faces, a face at the edge, a
monochrome or tiny picture: an empty analysis is a valid answer.
"""

import io
import threading
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from PIL import Image

ANALYSIS_EDGE = 1024
# Eyes: below this eye aspect ratio an eye counts as closed (measured on tests/data/culling,
# bench/culling.py); faces narrower than MIN_EYE_FACE pixels are too small to judge eyes.
EYE_CLOSED_BELOW = 0.2
MIN_EYE_FACE = 30
SMALL_FACE = 80
# How much brighter than the skin under the eye (a share of it) the eye's brightest pixels
# must be for the white of the eye to show.
WHITE_SHOWS_ABOVE = 0.0
# Focus is measured on the subject scaled to this many pixels across.
FOCUS_EDGE = 160
# Exposure: a pixel is blown when its luminance reaches HIGH, crushed when it is at most
# LOW; a photo is flagged when more than these shares of its subject (the sharpest face, or
# the centre) are: a white backdrop or a black one around a well-exposed face is no fault.
HIGH, LOW = 250, 12
HIGHLIGHTS_CLIPPED = 0.15
SHADOWS_CLIPPED = 0.3
# Detection: pictures smaller than this are upsampled once, so small faces are still found.
UPSAMPLE_BELOW = 700


@dataclass(frozen=True)
class FaceFound:
    left: float  # fractions of the picture's width and height
    top: float
    width: float
    height: float
    left_eye: float | None  # the person's own left eye: openness (eye aspect ratio)
    right_eye: float | None
    sharpness: float
    white: float | None = None  # how far the whites of the eyes show above the skin

    @property
    def eyes_closed(self) -> bool:
        eyes = [eye for eye in (self.left_eye, self.right_eye) if eye is not None]
        if len(eyes) < 2 or max(eyes) >= EYE_CLOSED_BELOW:
            return False
        return self.white is None or self.white <= WHITE_SHOWS_ABOVE


@dataclass(frozen=True)
class Analysis:
    sharpness: float
    subject: str  # "face" or "centre"
    highlights: float
    shadows: float
    dhash: str
    faces: list[FaceFound] = field(default_factory=list)

    @property
    def eyes_closed(self) -> bool:
        return any(face.eyes_closed for face in self.faces)

    @property
    def highlights_clipped(self) -> bool:
        return self.highlights > HIGHLIGHTS_CLIPPED

    @property
    def shadows_clipped(self) -> bool:
        return self.shadows > SHADOWS_CLIPPED


def analysis_image(preview: Image.Image) -> Image.Image:
    """The picture the analysis reads: the upright sRGB preview, smaller."""
    image = preview.convert("RGB") if preview.mode not in ("RGB", "L") else preview
    factor = max(image.size) // ANALYSIS_EDGE
    if factor >= 2:  # a box filter by a whole factor: a few milliseconds for a preview
        image = image.reduce(factor)
    if max(image.size) > ANALYSIS_EDGE:
        scale = ANALYSIS_EDGE / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    return image


def analyse(image: Image.Image, *, faces: bool = True) -> Analysis:
    """Measure one picture (any mode, any size; best at ANALYSIS_EDGE). Only its grey
    levels are read."""
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if max(image.size) > ANALYSIS_EDGE:
        image = analysis_image(image)
    grey = np.asarray(image if image.mode == "L" else image.convert("L"))
    if faces and min(grey.shape) >= 24:
        with DLIB_LOCK:
            found = _faces(grey)
    else:
        found = []
    height, width = grey.shape
    if found:
        sharpest = max(found, key=lambda face: face.sharpness)
        sharpness, subject = sharpest.sharpness, "face"
        region = _box_pixels(sharpest, width, height)
    else:
        region = _centre(width, height)
        sharpness, subject = _focus(grey, region), "centre"
    highlights, shadows = _exposure(grey, region)
    return Analysis(
        sharpness=sharpness,
        subject=subject,
        highlights=highlights,
        shadows=shadows,
        dhash=dhash(grey),
        faces=found,
    )


# dlib's models are loaded once per process (the landmark model is about 100 MB) and are not
# safe to use from two threads at once: a web process running tasks eagerly in threads, or
# the people step, take this lock around every use. Workers are processes: no contention.
DLIB_LOCK = threading.Lock()


def analysis_jpeg(image: Image.Image) -> bytes:
    """The analysis copy as kept: a plain (baseline) JPEG, quick to write and to read."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def analyse_jpeg(stream, *, faces: bool = True) -> Analysis:
    """Measure a kept analysis copy, decoding only its grey levels."""
    with Image.open(stream) as image:
        if image.format == "JPEG":
            image.draft("L", image.size)
        image.load()
        return analyse(image, faces=faces)


@cache
def dlib_models():
    """The face detector, the 68-point landmark model and dlib's rectangle type."""
    import dlib
    import face_recognition_models

    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(face_recognition_models.pose_predictor_model_location()),
        dlib.rectangle,
    )


def _faces(grey: np.ndarray) -> list[FaceFound]:
    detector = dlib_models()[0]
    height, width = grey.shape
    upsample = 1 if max(width, height) < UPSAMPLE_BELOW else 0
    found = []
    for box in detector(grey, upsample):
        left, top = max(0, box.left()), max(0, box.top())
        right, bottom = min(width, box.right()), min(height, box.bottom())
        if right - left < 8 or bottom - top < 8:
            continue
        left_eye = right_eye = white = None
        if box.width() >= MIN_EYE_FACE:
            pixels, marks = _landmarks(grey, box)
            # The landmarks number the eye on the picture's left (the person's right) 36-41.
            right_eye = _eye_openness(marks[36:42])
            left_eye = _eye_openness(marks[42:48])
            whites = [_eye_white(pixels, marks[36:42]), _eye_white(pixels, marks[42:48])]
            known = [value for value in whites if value is not None]
            white = round(sum(known) / len(known), 4) if known else None
        region = (left, top, right, bottom)
        found.append(
            FaceFound(
                left=left / width,
                top=top / height,
                width=(right - left) / width,
                height=(bottom - top) / height,
                left_eye=left_eye,
                right_eye=right_eye,
                sharpness=_focus(grey, region),
                white=white,
            )
        )
    return found


def _landmarks(grey: np.ndarray, box) -> tuple[np.ndarray, np.ndarray]:
    """The 68 landmarks of a face, and the pixels they are in. The landmark model learnt on
    faces larger than a group photo's: a small face is measured on its crop made twice as
    large, where the eyes' points land better."""
    _detector, predictor, rectangle = dlib_models()
    if box.width() >= SMALL_FACE:
        points = predictor(grey, rectangle(box.left(), box.top(), box.right(), box.bottom()))
        return grey, np.array([(p.x, p.y) for p in points.parts()], dtype=np.float64)
    height, width = grey.shape
    margin = box.width() // 2
    left, top = max(0, box.left() - margin), max(0, box.top() - margin)
    right, bottom = min(width, box.right() + margin), min(height, box.bottom() + margin)
    crop = Image.fromarray(grey[top:bottom, left:right])
    pixels = np.asarray(crop.resize((crop.width * 2, crop.height * 2), Image.Resampling.BICUBIC))
    face = rectangle(
        (box.left() - left) * 2,
        (box.top() - top) * 2,
        (box.right() - left) * 2,
        (box.bottom() - top) * 2,
    )
    points = predictor(pixels, face)
    return pixels, np.array([(p.x, p.y) for p in points.parts()], dtype=np.float64)


def _eye_openness(eye: np.ndarray) -> float | None:
    across = np.linalg.norm(eye[0] - eye[3])
    if across < 1:
        return None
    up = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    return round(float(up / (2 * across)), 4)


def _eye_white(grey: np.ndarray, eye: np.ndarray) -> float | None:
    """How much brighter the eye's brightest pixels (95th percentile of the band between its
    corners) are than the skin under it (the median of a band below), as a share of the skin."""
    height, width = grey.shape
    across = float(np.linalg.norm(eye[0] - eye[3]))
    centre_y = float(eye[:, 1].mean())
    left, right = max(0, round(eye[0][0])), min(width, round(eye[3][0]) + 1)
    top, bottom = max(0, round(centre_y - 0.35 * across)), round(centre_y + 0.35 * across) + 1
    skin_top, skin_bottom = round(centre_y + 0.6 * across), round(centre_y + across) + 1
    band = grey[top : min(height, bottom), left:right]
    skin = grey[min(height, skin_top) : min(height, skin_bottom), left:right]
    if band.size == 0 or skin.size == 0:
        return None
    level = float(np.median(skin))
    return (float(np.percentile(band, 95)) - level) / max(level, 1.0)


def _box_pixels(face: FaceFound, width: int, height: int) -> tuple[int, int, int, int]:
    left, top = round(face.left * width), round(face.top * height)
    return left, top, left + round(face.width * width), top + round(face.height * height)


def _centre(width: int, height: int) -> tuple[int, int, int, int]:
    return width * 3 // 10, height * 3 // 10, width * 7 // 10, height * 7 // 10


def _focus(grey: np.ndarray, region: tuple[int, int, int, int]) -> float:
    """How sharp a region is: the variance of the Laplacian of the region scaled to
    FOCUS_EDGE across, so a near face and a far one compare fairly."""
    left, top, right, bottom = region
    crop = Image.fromarray(grey[top:bottom, left:right])
    scale = FOCUS_EDGE / max(1, crop.width)
    size = (FOCUS_EDGE, max(8, round(crop.height * scale)))
    pixels = np.asarray(crop.resize(size, Image.Resampling.BOX), dtype=np.float32)
    laplacian = (
        4 * pixels[1:-1, 1:-1]
        - pixels[:-2, 1:-1]
        - pixels[2:, 1:-1]
        - pixels[1:-1, :-2]
        - pixels[1:-1, 2:]
    )
    return round(float(laplacian.var()), 3)


def _exposure(grey: np.ndarray, region: tuple[int, int, int, int]) -> tuple[float, float]:
    left, top, right, bottom = region
    subject = grey[top:bottom, left:right]
    count = max(1, subject.size)
    blown = float(np.count_nonzero(subject >= HIGH)) / count
    crushed = float(np.count_nonzero(subject <= LOW)) / count
    return round(blown, 4), round(crushed, 4)


def dhash(grey: np.ndarray) -> str:
    """A 64-bit difference hash: each bit says whether a cell of a 9×8 grid of the picture
    is brighter than its right-hand neighbour. Alike pictures differ in few bits."""
    small = np.asarray(Image.fromarray(grey).resize((9, 8), Image.Resampling.BOX), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def hash_distance(first: str, second: str) -> int:
    """How many of two hashes' 64 bits differ (64 when either is missing)."""
    if not first or not second:
        return 64
    return (int(first, 16) ^ int(second, 16)).bit_count()
