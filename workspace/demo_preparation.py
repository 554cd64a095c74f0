"""Starting questionnaires and session guides a real studio can use as they are.

Each question is (label, kind, required, help text, choices, condition), where the
condition is (label of an earlier question, the answer that shows this one) or None.
"""

Q = "short_text", "long_text", "single_choice", "multiple_choice", "yes_no", "number", "date"
SHORT, LONG, ONE, SEVERAL, YES_NO, NUMBER, DATE = Q
PHOTOS = "images"

WARDROBE = {
    "name": "Wardrobe & style",
    "intro": (
        "A few questions so we can plan your portraits around you. It takes about five "
        "minutes; your answers save as you go, so you can come back to it. There are no "
        "wrong answers, and anything you'd rather talk through, we can do on the day."
    ),
    "session_types": ["headshot", "personal-branding"],
    "max_images": 3,
    "max_choices": {"How would you like to come across?": 3},  # the page says "Choose up to 3."
    "questions": [
        (
            "What are the portraits for?",
            SEVERAL,
            True,
            "Choose all that apply.",
            [
                "LinkedIn or a CV",
                "A company website",
                "Press or a speaker bio",
                "Dating profile",
                "Just for me",
                "Something else",
            ],
            None,
        ),
        (
            "Tell us a little more about where they'll be used",
            LONG,
            False,
            "For example: a law firm's team page, a book jacket, a new business.",
            [],
            None,
        ),
        (
            "How would you like to come across?",
            SEVERAL,
            False,
            "",
            [
                "Warm and approachable",
                "Confident",
                "Thoughtful",
                "Creative",
                "Authoritative",
                "Relaxed",
                "Playful",
            ],
            None,
        ),
        (
            "Which outfits are you thinking of bringing?",
            LONG,
            True,
            "Two or three options is ideal. Solid colours and simple textures work best.",
            [],
            None,
        ),
        (
            "Photos of the outfits you're considering",
            PHOTOS,
            False,
            "Lay them on a bed or hang them up; phone photos are perfect. Up to three.",
            [],
            None,
        ),
        ("Colours you love wearing, or want to avoid", SHORT, False, "", [], None),
        ("Do you wear glasses?", YES_NO, True, "", [], None),
        (
            "Would you like some photos with and some without them?",
            YES_NO,
            False,
            "We use angled lighting to keep reflections off the lenses.",
            [],
            ("Do you wear glasses?", "yes"),
        ),
        (
            "Would you like hair and make-up for the session?",
            YES_NO,
            True,
            "Our artist can join for the first 45 minutes (£75, paid on the day).",
            [],
            None,
        ),
        (
            "Who is doing your hair and make-up?",
            ONE,
            True,
            "",
            ["The studio's artist, please", "I'm bringing my own artist", "I'll do it myself"],
            ("Would you like hair and make-up for the session?", "yes"),
        ),
        (
            "Is there anything you feel self-conscious about?",
            LONG,
            False,
            "Entirely optional, and only the photographer sees it. It helps us choose angles "
            "and light that you'll be happy with.",
            [],
            None,
        ),
        (
            "How do you usually feel in front of a camera?",
            ONE,
            False,
            "",
            ["I enjoy it", "It's fine", "A bit awkward", "I'd rather be anywhere else"],
            None,
        ),
        (
            "Anything else we should know?",
            LONG,
            False,
            "Access needs, a deadline for the photos, music you'd like on in the studio.",
            [],
            None,
        ),
    ],
}

FAMILY = {
    "name": "Family session",
    "intro": (
        "Family sessions go best when we know who's coming and what everyone needs. Answer "
        "what you can; your draft saves as you go."
    ),
    "session_types": ["family"],
    "max_images": 4,
    "questions": [
        ("How many people are coming?", NUMBER, True, "Including you.", [], None),
        (
            "Who's coming?",
            LONG,
            True,
            "Names, and how everyone is related, e.g. “Sam (me), Alex (partner), Grandma Jo”.",
            [],
            None,
        ),
        ("Are children coming?", YES_NO, True, "", [], None),
        (
            "Their names and ages",
            LONG,
            True,
            "Ages help us plan: a four-month-old and a fourteen-year-old need different sessions.",
            [],
            ("Are children coming?", "yes"),
        ),
        (
            "Nap times, or the best time of day for them",
            SHORT,
            False,
            "",
            [],
            ("Are children coming?", "yes"),
        ),
        (
            "How would you describe everyone's energy?",
            ONE,
            False,
            "",
            ["Calm and easy-going", "Lively", "A bit of both", "Unpredictable!"],
            ("Are children coming?", "yes"),
        ),
        ("Are you bringing a pet?", YES_NO, True, "Well-behaved dogs are welcome.", [], None),
        (
            "Tell us about your pet",
            SHORT,
            True,
            "Name, kind, and how they feel about strangers.",
            [],
            ("Are you bringing a pet?", "yes"),
        ),
        (
            "What are you planning to wear?",
            LONG,
            False,
            "Coordinated, not matching: two or three colours that sit well together.",
            [],
            None,
        ),
        ("Photos of the outfits you're considering", PHOTOS, False, "Up to four.", [], None),
        (
            "What feeling do you want to remember from this time?",
            LONG,
            False,
            "Silly and loud, quiet and close, the kids as they are right now…",
            [],
            None,
        ),
        (
            "Any groupings you'd especially like?",
            LONG,
            False,
            "Just the siblings, each grandparent with the grandchildren, one of the two of you.",
            [],
            None,
        ),
    ],
}

BRANDING = {
    "name": "Personal branding",
    "intro": (
        "Personal branding photos work when they tell your story. These questions help us "
        "plan the shots, the setting and the props before the day."
    ),
    "session_types": ["personal-branding"],
    "max_images": 5,
    "questions": [
        ("What's your business, in a sentence or two?", LONG, True, "", [], None),
        ("Who are your clients or audience?", LONG, True, "", [], None),
        (
            "Where will the photos be used?",
            SEVERAL,
            True,
            "",
            ["Website", "Instagram", "LinkedIn", "Press and speaking", "Print", "Ads"],
            None,
        ),
        ("Your brand colours", SHORT, False, "Hex codes or plain words both work.", [], None),
        ("Do you have a brand guide or mood board?", YES_NO, False, "", [], None),
        (
            "Photos or screenshots of it",
            PHOTOS,
            False,
            "Up to five.",
            [],
            ("Do you have a brand guide or mood board?", "yes"),
        ),
        (
            "Where would you like to shoot?",
            SEVERAL,
            False,
            "",
            ["In the studio", "At my workplace", "Outdoors nearby"],
            None,
        ),
        (
            "Props or tools of your trade to bring",
            LONG,
            False,
            "A laptop, a chef's knife, a paintbrush: things that show what you do.",
            [],
            None,
        ),
        (
            "Must-have shots",
            LONG,
            True,
            "E.g. a smiling headshot for your about page, a working-at-desk shot, a wide "
            "banner image with space for text on the left.",
            [],
            None,
        ),
        ("When do you need the finished photos by?", DATE, False, "", [], None),
    ],
}

QUESTIONNAIRES = [WARDROBE, FAMILY, BRANDING]

GUIDES = [
    {
        "title": "Getting ready for your headshot",
        "session_types": ["headshot"],
        "body": """\
**What to wear.** Bring two or three tops you feel good in. Solid, mid-tone colours
(navy, teal, burgundy, soft grey) photograph best; avoid small checks and thin stripes,
which shimmer on camera, and big logos. Make sure everything is ironed: we can fix a
stray hair, but creases take far longer.

**Hair and make-up.** Keep to your everyday look, just a little more polished. Bring a
comb and any powder you use; studio lights can make skin shine.

**Glasses.** Wear them if you usually do. We angle the lights to keep reflections off.

**How it goes.** We start with a chat and a few test frames while you settle in. Most
people relax after ten minutes, and that's when the best pictures happen. You'll see
the photos on the screen as we go.

**Getting here.** We're at 14 Canonbury Lane, five minutes from Highbury & Islington
station. There's pay-and-display parking on Canonbury Road. Ring the bell marked
Northlight; the studio is on the first floor (there's a lift).
""",
    },
    {
        "title": "Getting ready for your family session",
        "session_types": ["family"],
        "body": """\
**What to wear.** Choose two or three colours that go together and spread them across
the family, rather than matching outfits. Comfortable clothes and shoes you can sit on
the floor in are best. Avoid big logos and neon.

**Little ones.** Book around naps if you can, and bring snacks (not chocolate!) and a
favourite toy. Tears and tantrums are normal; we take breaks and the session is
unhurried. Some of the best pictures come after a wobble.

**Pets.** Bring a lead, treats and their water bowl. We'll start with the pet photos
while everyone's patience is fresh.

**How it goes.** We play first and pose later. Expect games, tickling and a lot of
silliness, then a few quieter portraits at the end.

**Getting here.** 14 Canonbury Lane, N1 2AS. Pay-and-display parking on Canonbury Road;
there's a lift and space for a buggy in the studio.
""",
    },
    {
        "title": "Planning your personal branding session",
        "session_types": ["personal-branding"],
        "body": """\
**Before the day.** We'll read your questionnaire and send a short shot list a few days
before. Reply with anything that's missing.

**What to bring.** Three outfits: one you'd meet a new client in, one that's more
relaxed, and one in or near your brand colours. Bring the props and tools of your trade
you listed, and a laptop or phone if you'd like a few working shots.

**How it goes.** We work through the shot list, starting with the must-haves, then
leave time for the unplanned. Shots for banners are taken wide, with space for text.

**Getting here.** 14 Canonbury Lane, N1 2AS; or at your workplace if we've agreed it.
""",
    },
]
