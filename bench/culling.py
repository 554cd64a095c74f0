"""How well and how fast the culling assistant works, on a labelled set of real photographs.

Quality, on tests/data/culling (openly licensed photos; sources and licences in its README):
- closed eyes: every labelled face is matched to a detected one by overlap; precision and
  recall of the "closed eyes" flag over the labelled faces (a closed-eye face the detector
  misses counts against recall);
- soft focus: a gallery of the set's photos, a quarter of them also as a missed-focus copy
  (Gaussian blur) and every burst with one frame blurred; precision and recall of the flag;
- exposure: each photo also pushed 1.7 stops over and 3 stops under; precision and recall of
  the highlight and shadow flags (a bright scene 3 stops under still keeps its shadows off
  black: the flag is for clipping, so it misses those by design);
- bursts: runs of 3-5 frames made from one photo (small shifts and crops, exposure within a
  tenth of a stop, 0.4 s apart) and missed-focus retakes 25 s later, among the other photos,
  8-40 s apart; purity (the share of each found group that comes from one true burst,
  weighted by size) and completeness.

Cost, on one core: the analysis of each photo at preview size (CPU time, median of all), and
the whole pipeline (original → preview, thumbnail and analysis) against the pipeline without
the analysis, on the set's photos made camera-sized (24 MP JPEGs), in interleaved rounds;
images per second and their ratio, medians.

Run: `make bench` or `.venv/bin/python bench/culling.py`. tests/gallery/test_culling_quality.py
asserts floors a little below the printed figures.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from PIL import Image, ImageEnhance, ImageFilter  # noqa: E402

from gallery import analysis  # noqa: E402
from gallery.culling import Frame, best_of, bursts, focus_judge  # noqa: E402
from gallery.people import box_overlap  # noqa: E402

SET_DIR = Path(os.environ.get("CULLING_SET", BASE_DIR / "tests" / "data" / "culling"))
START = datetime(2026, 6, 13, 10, 0, tzinfo=UTC)
GOALS = {
    "closed eyes precision": 0.9,
    "closed eyes recall": 0.8,
    "soft focus precision": 0.9,
    "burst purity": 0.95,
}


@dataclass
class Record:
    """What the gallery step reads of a photo's analysis (the fields of PhotoAnalysis)."""

    photo_id: int
    sharpness: float
    subject: str
    dhash: str
    highlights_clipped: bool
    shadows_clipped: bool
    eyes_closed: bool
    focus: float | None = None
    soft_focus: bool = False
    group: object = None
    group_best: bool = False


@dataclass
class Item:
    name: str
    image: Image.Image
    soft: bool = False  # made soft on purpose
    burst: str = ""  # the true burst it belongs to
    taken: datetime | None = None
    result: analysis.Analysis | None = None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    examples: list = field(default_factory=list)

    def add(self, truth: bool, said: bool, example: str = "") -> None:
        if said and truth:
            self.tp += 1
        elif said:
            self.fp += 1
            self.examples.append(f"false: {example}")
        elif truth:
            self.fn += 1
            self.examples.append(f"missed: {example}")
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def labelled_set() -> dict[str, dict]:
    return json.loads((SET_DIR / "labels.json").read_text())["photos"]


def set_image(name: str) -> Image.Image:
    with Image.open(SET_DIR / name) as image:
        return analysis.analysis_image(image.convert("RGB"))


# Faces at least this wide (at the analysis size) are portrait-sized: a studio's 24 MP frame
# of one to four people gives faces this large; the set's group photos often do not.
PORTRAIT_FACE = 80


def eyes_score(labels: dict[str, dict]) -> tuple[Score, int, int, Score]:
    """Closed eyes over the labelled faces; how many labelled faces were found; and closed
    eyes over the portrait-sized faces only."""
    score, found, total, large = Score(), 0, 0, Score()
    for name, label in sorted(labels.items()):
        image = set_image(name)
        with Image.open(SET_DIR / name) as stored:
            scale = image.width / stored.width
        result = analysis.analyse(image)
        width, height = image.size
        boxes = [
            (f.left * width, f.top * height, f.width * width, f.height * height)
            for f in result.faces
        ]
        for index, face in enumerate(label.get("faces", [])):
            if face["eyes"] not in ("open", "closed"):
                continue
            total += 1
            box = [value * scale for value in face["box"]]
            overlaps = [box_overlap(box, detected) for detected in boxes]
            best = max(range(len(boxes)), key=overlaps.__getitem__) if boxes else None
            detected = result.faces[best] if best is not None and overlaps[best] >= 0.3 else None
            found += detected is not None
            said = bool(detected and detected.eyes_closed)
            eyes = "" if detected is None else f" ({detected.left_eye}, {detected.right_eye})"
            score.add(face["eyes"] == "closed", said, f"{name} face {index}{eyes}")
            if box[2] >= PORTRAIT_FACE:
                large.add(face["eyes"] == "closed", said, f"{name} face {index}{eyes}")
    return score, found, total, large


def _shifted(image: Image.Image, step: int, seed: int) -> Image.Image:
    """Another frame of a burst: a hand-held camera moves a little, exposure wobbles."""
    dx = (seed * 7 + step * 5) % 11 - 5
    dy = (seed * 3 + step * 7) % 9 - 4
    width, height = image.size
    crop = round(min(width, height) * 0.015 * (step % 3))
    left, top = crop + max(dx, 0), crop + max(dy, 0)
    frame = image.crop((left, top, width - crop + min(dx, 0), height - crop + min(dy, 0)))
    frame = frame.resize((width, height), Image.Resampling.BILINEAR)
    return ImageEnhance.Brightness(frame).enhance(1 + ((step + seed) % 3 - 1) * 0.06)


def gallery_items(labels: dict[str, dict]) -> list[Item]:
    """A session: the set's photos in turn, a few taken again in bursts of 3-5 frames (one
    of them out of focus), a quarter of the singles also as a missed-focus copy."""
    items: list[Item] = []
    moment = START
    for index, name in enumerate(sorted(labels)):
        image = set_image(name)
        moment += timedelta(seconds=8 + (index * 13) % 33)
        if index % 3 == 0:
            size = 3 + index % 3
            for step in range(size):
                frame = image if step == 0 else _shifted(image, step, index)
                soft = step == size - 1
                if soft:
                    frame = frame.filter(ImageFilter.GaussianBlur(3))
                items.append(Item(f"{name}#{step}", frame, soft, burst=name, taken=moment))
                moment += timedelta(milliseconds=400)
            continue
        if index % 4 != 1:
            items.append(Item(name, image, taken=moment))
            continue
        # Taken again 25 seconds later, out of focus: a near-duplicate of the first.
        items.append(Item(name, image, burst=name, taken=moment))
        moment += timedelta(seconds=25)
        blurred = image.filter(ImageFilter.GaussianBlur(2.5))
        items.append(Item(f"{name} (missed focus)", blurred, True, burst=name, taken=moment))
    return items


def gallery_judge(items: list[Item]) -> list[list[Frame]]:
    frames = []
    for number, item in enumerate(items):
        item.result = analysis.analyse(item.image)
        record = Record(
            photo_id=number,
            sharpness=item.result.sharpness,
            subject=item.result.subject,
            dhash=item.result.dhash,
            highlights_clipped=item.result.highlights_clipped,
            shadows_clipped=item.result.shadows_clipped,
            eyes_closed=item.result.eyes_closed,
        )
        frames.append(Frame(record, item.taken))
    runs = bursts(frames)
    focus_judge(frames, runs)
    return runs


def focus_score(items: list[Item], runs: list[list[Frame]]) -> Score:
    score = Score()
    for run in runs:
        for frame in run:
            item = items[frame.record.photo_id]
            score.add(item.soft, frame.record.soft_focus, item.name)
    return score


def burst_figures(items: list[Item], runs: list[list[Frame]]) -> tuple[float, float]:
    """Purity of the groups found (size-weighted), and the share of true bursts found whole."""
    grouped = [run for run in runs if len(run) > 1]
    members = sum(len(run) for run in grouped)
    pure = 0
    for run in grouped:
        truths = [items[f.record.photo_id].burst or items[f.record.photo_id].name for f in run]
        pure += max(truths.count(truth) for truth in set(truths))
    purity = pure / members if members else 1.0
    true_bursts = {item.burst for item in items if item.burst}
    whole = 0
    for burst in true_bursts:
        wanted = {n for n, item in enumerate(items) if item.burst == burst}
        whole += any(wanted <= {f.record.photo_id for f in run} for run in grouped)
    return purity, (whole / len(true_bursts) if true_bursts else 1.0)


def best_figures(items: list[Item], runs: list[list[Frame]]) -> float:
    """The share of groups whose suggested best is not the frame made soft."""
    grouped = [run for run in runs if len(run) > 1]
    good = 0
    for run in grouped:
        good += not items[best_of(run).record.photo_id].soft
    return good / len(grouped) if grouped else 1.0


def exposure_scores(labels: dict[str, dict]) -> tuple[Score, Score]:
    highlights, shadows = Score(), Score()
    for name in sorted(labels):
        image = set_image(name)
        over = image.point(lambda value: min(255, round(value * 3.2)))  # 1.7 stops over
        under = image.point(lambda value: round(value * 0.12))  # 3 stops under
        for kind, variant in (("as shot", image), ("over", over), ("under", under)):
            result = analysis.analyse(variant)
            highlights.add(kind == "over", result.highlights_clipped, f"{name} {kind}")
            shadows.add(kind == "under", result.shadows_clipped, f"{name} {kind}")
    return highlights, shadows


def quality() -> dict[str, float]:
    labels = labelled_set()
    eyes, found, total, large = eyes_score(labels)
    items = gallery_items(labels)
    runs = gallery_judge(items)
    focus = focus_score(items, runs)
    purity, completeness = burst_figures(items, runs)
    highlights, shadows = exposure_scores(labels)
    figures = {
        "faces found": found / total if total else 1.0,
        "closed eyes precision": eyes.precision,
        "closed eyes recall": eyes.recall,
        "closed eyes precision, portrait-sized faces": large.precision,
        "closed eyes recall, portrait-sized faces": large.recall,
        "soft focus precision": focus.precision,
        "soft focus recall": focus.recall,
        "highlights precision": highlights.precision,
        "highlights recall": highlights.recall,
        "shadows precision": shadows.precision,
        "shadows recall": shadows.recall,
        "burst purity": purity,
        "bursts found whole": completeness,
        "best of group is in focus": best_figures(items, runs),
    }
    counts = {
        "photos": len(labels),
        "labelled faces": total,
        "closed-eye faces": eyes.tp + eyes.fn,
        "portrait-sized faces": large.tp + large.fp + large.fn + large.tn,
        "closed-eye portrait-sized faces": large.tp + large.fn,
        "gallery frames": len(items),
        "soft frames": sum(item.soft for item in items),
        "true bursts": len({item.burst for item in items if item.burst}),
    }
    misses = {"closed eyes": eyes.examples, "soft focus": focus.examples}
    return {"figures": figures, "counts": counts, "misses": misses}


def camera_files(labels: dict[str, dict], every: int, folder: Path) -> list[Path]:
    """Every few of the set's photos (portraits, groups and photos without a face, in the
    set's proportions) as a camera makes them: 6000 × 4000 JPEGs."""
    files = []
    for name in sorted(labels)[::every]:
        with Image.open(SET_DIR / name) as image:
            big = image.convert("RGB").resize((6000, 4000), Image.Resampling.BICUBIC)
        path = folder / f"camera-{name}"
        big.save(path, "JPEG", quality=92)
        files.append(path)
    return files


def pipeline_once(original: Path, out: Path, *, analysed: bool) -> float:
    """What the images worker does for one photo, less the database: read the original,
    render, write the preview and thumbnail; with the analysis, also write its picture, read
    it back and analyse it, as the next task does."""
    from gallery import imaging

    started = time.process_time()
    with original.open("rb") as stream:
        rendition = imaging.photo_render(stream, analysis=analysed)
    (out / "preview.jpg").write_bytes(rendition.preview)
    (out / "thumbnail.jpg").write_bytes(rendition.thumbnail)
    if analysed:
        (out / "analysis.jpg").write_bytes(rendition.analysis)
        with (out / "analysis.jpg").open("rb") as stream:
            analysis.analyse_jpeg(stream)
    return time.process_time() - started


def cost(rounds: int = 4, every: int = 3) -> dict[str, float]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    labels = labelled_set()
    folder = Path(tempfile.mkdtemp(prefix="culling-bench-"))
    files = camera_files(labels, every, folder)
    analysis.analyse(Image.new("RGB", (64, 64)))  # the models load once, not in a round
    each = []
    for name in sorted(labels):
        image = set_image(name)
        started = time.process_time()
        analysis.analyse(image)
        each.append((time.process_time() - started) * 1000)
    plain, full = [], []
    for _round in range(rounds):  # interleaved: both pipelines see the same machine
        plain.append(len(files) / sum(pipeline_once(f, folder, analysed=False) for f in files))
        full.append(len(files) / sum(pipeline_once(f, folder, analysed=True) for f in files))
    shutil.rmtree(folder)
    return {
        "analysis ms per photo (median)": statistics.median(each),
        "analysis ms per photo (90th percentile)": sorted(each)[int(len(each) * 0.9)],
        "pipeline images/s without analysis": statistics.median(plain),
        "pipeline images/s with analysis": statistics.median(full),
        "ratio": statistics.median(f / p for f, p in zip(full, plain, strict=True)),
    }


def main() -> None:
    report = quality()
    print("Culling assistant, on", ", ".join(f"{v} {k}" for k, v in report["counts"].items()))
    for name, value in report["figures"].items():
        goal = GOALS.get(name)
        verdict = "met" if goal is not None and value >= goal else "NOT MET"
        mark = "" if goal is None else f"   goal ≥ {goal:.2f} {verdict}"
        print(f"  {name:46} {value:.3f}{mark}")
    for kind, examples in report["misses"].items():
        for example in examples[:12]:
            print(f"    {kind}: {example}")
    figures = cost()
    print("Cost on one core (CPU time; pipeline rounds interleaved, medians):")
    for name, value in figures.items():
        print(f"  {name:42} {value:.3f}")
    cheap = figures["analysis ms per photo (median)"] < 150
    fast = figures["ratio"] >= 0.75
    print(f"  goals: analysis < 150 ms per photo {'met' if cheap else 'NOT MET'}, ", end="")
    print(f"ratio ≥ 0.75 {'met' if fast else 'NOT MET'}")


if __name__ == "__main__":
    main()
