"""Emails about documents to sign (being written: see issue 18)."""


def documents_email_send(*, booking_id: int, document_ids: list[int]) -> bool:
    raise NotImplementedError("the signing emails are being built")


def document_pdf_emails_send(*, document_id: int, file_id: int) -> None:
    raise NotImplementedError("the PDF emails are being built")
