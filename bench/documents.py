"""How long a signed document's PDF takes: render a 3-page contract, then seal it.

A portrait-session agreement of about 1,800 words (Markdown through the same converter the
studio's templates use), a drawn signature made with Pillow, an 8-row signature certificate
and an 8-event audit trail. After one warm-up (fonts loaded, the seal certificate made),
rounds alternate render and seal; printed are the medians of CPU time (time.process_time,
one core) and wall time for each and for both. The target is well under a second of one
core, asserted as a median total below 1.0 s. Run: `make bench`.
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("DEBUG", "true")  # a bench, not a site: no secret key needed

import django

django.setup()

import markdown  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from sessions.documents.pdf import document_pdf_render  # noqa: E402
from sessions.documents.seal import pdf_seal, pdf_seal_check  # noqa: E402

ROUNDS = 15
CLIENT = "Zoë Łukaszewska-Straße"

AGREEMENT = """
This agreement is between **{studio}** ("the studio", "we") and **{client}** ("you") for a
portrait session on **Saturday 12 December 2026 at 10:30** at the studio, 1 High Street,
London. Please read it before you sign. If anything is unclear, ask us: we would rather
answer a question now than have a misunderstanding later.

### 1. What you are booking

The session is a *Family portrait session* of about 90 minutes. It includes time to settle
in, up to three changes of outfit, and as many set-ups as fit comfortably in the time. After
the session we choose the strongest photographs and put between 40 and 60 of them in a
private online gallery for you within 14 days. You choose your favourites from the gallery;
the photographs in your package are then edited by hand and delivered as full-resolution
files you can download.

Your package includes:

- the session itself, with one photographer and an assistant where needed;
- 20 edited photographs of your choice as high-resolution digital files;
- a private online gallery, open for 60 days from the day we send you the link;
- a print release for the photographs in your package, so you can print them anywhere.

Extra photographs, prints, albums and wall art can be ordered from the gallery at the
prices shown there. Prices in the gallery are fixed when the gallery opens.

### 2. Fees and payment

The session fee is **£350.00**. A deposit of **£100.00** is paid when you book, and the
balance of £250.00 is due no later than 48 hours before the session. We send you a reminder
with a link to pay a few days before it is due. If the balance has not been paid by the time
of the session we may ask you to pay it on the day before we begin.

The deposit holds your date and time. Because we turn other clients away for the time you
booked, it is not refundable except as set out in section 4 below. All prices include VAT
where it applies. Payments are taken by our card processor; we never see or keep your full
card number.

### 3. Before the session

We will send you a short questionnaire about the people in the session, the kind of
photographs you hope for and anything we should know (a pet who is nervous of strangers, a
child who needs a break at eleven, a wheelchair user who needs step-free access). Please
answer it at least three days before the session so that we can prepare. The studio is
step-free, has an accessible toilet and a changing area, and is warm in winter.

If anyone in the session is unwell on the day, please tell us as early as you can. We would
much rather move the session than photograph someone who is miserable, and we will not
charge you for moving it because of illness if you tell us before the session begins.

### 4. Changing or cancelling

You may move your session once, free of charge, if you tell us at least 7 days before it.
We will offer you the nearest free times and keep your deposit towards the new date. Later
changes are possible if we have space, but we may ask for a new deposit.

If you cancel more than 14 days before the session, we refund your deposit in full. If you
cancel between 14 and 7 days before, we refund half of it. If you cancel less than 7 days
before, or do not come to the session, the deposit is kept. Any balance you have paid beyond
the deposit is refunded in full whenever you cancel.

If we have to cancel, for example because the photographer is ill or the studio cannot be
used, we will tell you as soon as we know, offer you the nearest free times, and refund
everything you have paid if none of them suits you. We are not responsible for other costs
you may have had, such as travel, unless we cancelled without a good reason.

### 5. On the day

Please arrive ten minutes early so that the session can start on time. If you arrive late we
will do our best, but the session may have to end at the booked time so that the next client
is not kept waiting, and the fee stays the same. If we start late, you will have the full
time you booked.

Children must be supervised by a parent or guardian throughout the session. The studio has
lights, stands and cables; please help us keep small children away from them. We take care
of your belongings while you are with us, but we cannot accept responsibility for valuables
left unattended.

### 6. What to wear, hair and make-up

Wear clothes you feel like yourself in. Plain colours and soft textures photograph better
than large logos, bright neon or fine stripes, which can shimmer on camera. For a family
session, choose two or three colours that sit well together rather than matching outfits
exactly. Bring a spare top for small children, and anything that makes them feel at home: a
favourite toy or book often brings the most natural expressions.

If you have booked hair and make-up, our stylist will arrive an hour before the session.
Please come with clean, dry hair and a clean face, and tell us in the questionnaire about any
allergies or sensitive skin. The stylist uses her own products; you are welcome to bring
yours. Make-up is applied for the camera and may look a little stronger in the mirror than
you are used to.

### 7. Pets

Well-behaved pets are welcome in family sessions if you tell us when you book. Dogs must be
on a lead when they are not being photographed, and their owner is responsible for any damage
they cause. We keep water and a towel ready, and we can usually photograph a pet first so it
can go home or to the car before it becomes tired.

### 8. Prints, albums and delivery

Prints and albums ordered through the gallery are made by a professional laboratory on
archival paper and checked by us before they are sent. Loose prints are usually ready in 10
working days and albums in 4 to 6 weeks, because each album is designed and proofed with you
first. We send everything by tracked delivery to the address you give us, or you may collect
it from the studio. If anything arrives damaged or not as you expected, tell us within 14 days
and we will replace it free of charge.

### 9. Sessions outside the studio

If your session takes place away from the studio, for example at your home or in a park, the
fee includes travel within 15 miles of the studio. Beyond that we charge travel at the rate
shown when you booked. Outdoor sessions depend on the weather: if it is unsafe or very wet we
will agree a new date with you, free of charge, on the morning of the session at the latest.

### 10. Your photographs

We keep the copyright in the photographs, as the law gives it to the person who takes them.
You receive a personal licence to use the photographs you buy: you may print them, share
them with family and friends, and post them on your own social media accounts. Please credit
the studio when you post them if you can, and do not apply filters that change them beyond
recognition while crediting us.

You may not sell the photographs, enter them into competitions, or use them to advertise a
business without our written agreement. If you would like to use them commercially, ask us:
we are usually happy to agree a licence.

We will keep your edited photographs safely for at least 12 months after the gallery closes,
so that you can ask for a copy if you lose yours. After that we may delete them. Unchosen
photographs are deleted when the gallery closes.

### 11. How we may use your photographs

We do not use your photographs to promote the studio unless you agree, in the separate model
release, which you may sign or decline without affecting this agreement. You can change your
mind about the release at any time by writing to us; we will stop new uses promptly, though
we cannot recall printed material that has already been distributed.

### 12. Your personal information

We use the details you give us only to arrange and deliver your session, to take payment,
and to send you the messages this agreement mentions. We keep them for as long as the law
requires for our accounts, and no longer than we need them otherwise. You can ask for a copy
of everything we hold about you, or ask us to delete it, from your account page or by email.
We never sell your details or pass them to anyone for marketing.

### 13. Our responsibility to you

We will take the photographs with the skill and care of a professional photographer. If
something goes wrong that is our fault, such as a failure of our equipment that means no
usable photographs were taken, we will offer you a new session free of charge or, if you
prefer, refund what you have paid. Our total responsibility under this agreement is limited
to the amount you have paid us, except where the law does not allow a limit, for example for
death or injury caused by negligence.

We are not responsible for delays or failures caused by events outside our reasonable
control, such as severe weather, a power cut or a public transport strike, but we will do
everything we reasonably can to deliver what you booked.

### 14. Complaints

If you are unhappy with anything, please tell us first: most problems are solved quickly by
a conversation. Write to us at the address above or by email, and we will reply within 7 days.

### 15. The agreement as a whole

This agreement, the booking confirmation and the gallery's price list are the whole of what
we have agreed. If any part of it is found to be unenforceable, the rest still applies. It is
governed by the law of England and Wales, and nothing in it affects your rights as a consumer.

By signing below you confirm that you have read this agreement, that you are at least 18
years old, and that you agree to its terms.
"""


def signature_png() -> bytes:
    image = Image.new("RGBA", (900, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [
        (20 + x * 6, 150 + int(60 * ((x % 23) / 23 - 0.5) * (-1) ** (x // 23))) for x in range(140)
    ]
    draw.line(points, fill=(18, 24, 80, 255), width=6, joint="curve")
    draw.line([(120, 200), (760, 190)], fill=(18, 24, 80, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def contract_values() -> dict:
    text = AGREEMENT.format(studio="Lumen Portraits", client=CLIENT)
    when = "2026-12-01 10:{:02d}:{:02d} UTC"
    events = [
        "Sent",
        "Emailed",
        "Opened",
        "Opened",
        "Signed",
        "Countersigned",
        "Emailed",
        "Downloaded",
    ]
    who = ["Ada Lumen", "Sitting", CLIENT, CLIENT, CLIENT, "Ada Lumen", "Sitting", CLIENT]
    return {
        "title": "Portrait session agreement",
        "body_html": markdown.markdown(text),
        "studio_name": "Lumen Portraits",
        "studio_address": "1 High Street\nLondon N1 1AA",
        "reference": "SIT-7Q4K-2M9X",
        "certificate": [
            ("Signed by", CLIENT),
            ("Email", "zoe@example.com"),
            ("Signed at (UTC)", "2026-12-01 10:04:17"),
            ("IP address", "203.0.113.7"),
            ("User agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1"),
            ("SHA-256 of the signed text", "9f2c4be07a1d" * 5 + "9f2c"),
            ("Consent", "I agree to sign electronically (wording version 1)"),
            ("Reference", "SIT-7Q4K-2M9X"),
        ],
        "audit": [(when.format(3 + n, 7 * n), event, who[n]) for n, event in enumerate(events)],
        "drawn_signature_png": signature_png(),
    }


def timed(function):
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    values = contract_values()
    words = len(AGREEMENT.split())
    with tempfile.TemporaryDirectory() as folder:
        seal_dir = Path(folder) / "document-seal"

        def render():
            return document_pdf_render(**values)

        def seal(pdf):
            return pdf_seal(
                pdf,
                reason="Signed agreement",
                location="London",
                directory=seal_dir,
                studio_name="Lumen Portraits",
            )

        pdf, cold_render, _ = timed(render)
        sealed, cold_seal, _ = timed(lambda: seal(pdf))
        pages = len(PdfReader(io.BytesIO(sealed)).pages)
        assert pages == 4, f"3 pages of contract and a certificate, not {pages}"
        assert pdf_seal_check(sealed, directory=seal_dir).intact
        rounds = {"render": [], "seal": [], "total": []}
        for _ in range(ROUNDS):
            pdf, render_cpu, render_wall = timed(render)
            _sealed, seal_cpu, seal_wall = timed(lambda: seal(pdf))  # noqa: B023
            rounds["render"].append((render_cpu, render_wall))
            rounds["seal"].append((seal_cpu, seal_wall))
            rounds["total"].append((render_cpu + seal_cpu, render_wall + seal_wall))

    print(
        f"3 pages of contract and a certificate page ({words} words, {len(sealed) // 1024} KB "
        f"sealed), {ROUNDS} rounds"
    )
    print(
        f"  first render in this process: {cold_render * 1000:.0f} ms CPU; first seal "
        f"(certificate made): {cold_seal * 1000:.0f} ms CPU"
    )
    for name, times in rounds.items():
        cpu = statistics.median(t[0] for t in times) * 1000
        wall = statistics.median(t[1] for t in times) * 1000
        print(f"  {name:<7} median {cpu:6.1f} ms CPU  {wall:6.1f} ms wall")
    total_cpu = statistics.median(t[0] for t in rounds["total"])
    assert total_cpu < 1.0, f"render + seal took {total_cpu:.2f} s of CPU; the target is < 1 s"


if __name__ == "__main__":
    main()
