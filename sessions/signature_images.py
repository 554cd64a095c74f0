"""TEMPORARY until the signature pad branch lands."""


def drawn_signature_parse(value: str) -> bytes | None:
    if not value:
        return None
    raise ValueError("Drawn signatures are not ready yet.")
