"""What finding the people in a gallery costs: the CPU per face descriptor, and the whole of
`gallery_people_find` for a 300-photo gallery, without bursts and with bursts of three
(where one frame of each burst is described and the others take its faces' descriptors).

The photos are the nine of tests/data/people (MIT, from Adam Geitgey's face_recognition
repository, 800 px), repeated: 300 proofs, each with its analysis copy and the faces dlib's
detector finds, in a throwaway SQLite database. Run: `.venv/bin/python bench/people.py`.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-people-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("DEBUG", "true")  # a bench, not a site: no secret key needed

import django  # noqa: E402

django.setup()

PHOTOS = 300
BURST = 3


def per_face_ms(repeats: int = 30) -> float:
    from PIL import Image

    from gallery.people import face_descriptors
    from tests.gallery.people_photos import PEOPLE, faces_in

    _data, (width, height), boxes = faces_in("obama-1.jpg")
    left, top, w, h = boxes[0]
    image = Image.open(PEOPLE / "obama-1.jpg")
    box = (left * width, top * height, w * width, h * height)
    face_descriptors(image, [box])  # the models load once, outside the timing
    started = time.process_time()
    for _ in range(repeats):
        face_descriptors(image, [box])
    return (time.process_time() - started) * 1000 / repeats


def gallery_ms(burst: int) -> tuple[int, int, float, float]:
    """(faces, people, CPU seconds, wall seconds) of gallery_people_find for PHOTOS proofs."""
    from gallery.culling_models import Face
    from gallery.people import gallery_people_find
    from gallery.services import gallery_create_for_booking
    from tests.factories import BookingFactory, ClientFactory
    from tests.gallery.people_photos import EVERYONE, proof_with_faces
    from tests.gallery.people_photos import burst as burst_make

    gallery = gallery_create_for_booking(booking=BookingFactory(client=ClientFactory()))
    names = [EVERYONE[n % len(EVERYONE)] for n in range(PHOTOS)]
    if burst == 1:
        for name in names:
            proof_with_faces(gallery, name)
    else:
        for number in range(PHOTOS // burst):  # the same mix of photos, in bursts
            burst_make(gallery, [EVERYONE[number % len(EVERYONE)]] * burst)
    cpu, wall = time.process_time(), time.perf_counter()
    people = gallery_people_find(gallery_id=gallery.pk)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Face.objects.filter(photo__gallery=gallery).count(), people, cpu, wall


def clustering_ms(count: int = 2000) -> float:
    """Chinese whispers over `count` descriptors of the test faces, jittered a little."""
    import numpy as np

    from gallery.culling_models import Face
    from gallery.people import faces_cluster

    known = [
        np.frombuffer(bytes(d), np.float32)
        for d in Face.objects.values_list("descriptor", flat=True)[:9]
    ]
    rng = np.random.default_rng(1)
    descriptors = [
        (known[n % len(known)] + rng.normal(0, 0.01, 128)).astype(np.float32) for n in range(count)
    ]
    started = time.process_time()
    faces_cluster(descriptors)
    return (time.process_time() - started) * 1000


def main() -> None:
    from django.core.management import call_command

    from studio.selectors import studio_get

    call_command("migrate", verbosity=0)
    studio_get()
    print(f"One face descriptor (68 landmarks + 128-d descriptor): {per_face_ms():.1f} ms CPU")
    for burst in (1, BURST):
        faces, people, cpu, wall = gallery_ms(burst)
        kind = "no bursts" if burst == 1 else f"bursts of {burst}"
        print(
            f"{PHOTOS} photos, {kind}: {faces} faces, {people} people found in "
            f"{cpu:.1f} s CPU ({wall:.1f} s wall), {cpu * 1000 / faces:.1f} ms CPU per face"
        )
    print(f"Clustering 2,000 faces into people: {clustering_ms():.0f} ms CPU")


if __name__ == "__main__":
    main()
