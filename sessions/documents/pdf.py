"""A signed document as a PDF: plain values in, the file's bytes out.

xhtml2pdf (pure wheels over ReportLab) renders the HTML below, so a fresh machine needs only
Python. Text is set in Bitstream Vera, the TrueType face ReportLab ships and embeds (Latin with
its accents, ł and ß included); characters it lacks fall through, per character, to ReportLab's
CJK faces, which a PDF reader supplies rather than the file. Nothing is fetched: the only
resources are the fonts in ReportLab's folder and images written inline.
"""

import base64
import html
import io
from pathlib import Path

import reportlab
from django.utils.translation import gettext
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
# Chinese (simplified, traditional), Japanese, Korean: ReportLab's non-embedded CID faces.
CJK_FACES = "STSong-Light, MSung-Light, HeiseiMin-W3, HYSMyeongJo-Medium"
POLICY = ResourceAccessPolicy.server(base_dir=FONT_DIR, allow_remote=False, max_render_seconds=30)

STYLE = """
@font-face { font-family: Vera; src: url("%(dir)s/Vera.ttf"); }
@font-face { font-family: Vera; src: url("%(dir)s/VeraBd.ttf"); font-weight: bold; }
@font-face { font-family: Vera; src: url("%(dir)s/VeraIt.ttf"); font-style: italic; }
@font-face { font-family: Vera; src: url("%(dir)s/VeraBI.ttf"); font-weight: bold;
  font-style: italic; }
@page {
  size: a4 portrait;
  margin: 1.8cm 2cm 2.2cm 2cm;
  @frame footer { -pdf-frame-content: footer; bottom: 1cm; margin-left: 2cm;
    margin-right: 2cm; height: 1cm; }
}
body, table, td, th { font-family: Vera, %(cjk)s; font-size: 9.5pt; line-height: 1.35;
  color: #222222; }
.studio { font-size: 9pt; color: #555555; }
.logo { height: 1.4cm; }
h1.title { font-size: 18pt; margin: 10pt 0 12pt 0; }
h1 { font-size: 15pt; } h2 { font-size: 13pt; } h3 { font-size: 11.5pt; } h4 { font-size: 10.5pt; }
h1, h2, h3, h4 { margin: 12pt 0 4pt 0; }
p { margin: 0 0 7pt 0; }
blockquote { margin: 4pt 0 8pt 14pt; color: #444444; }
a { color: #1a4f8b; }
.signature { margin-top: 12pt; padding-top: 6pt; border-top: 0.5pt solid #999999; }
.signature img { height: 1.8cm; }
.muted { color: #666666; font-size: 8.5pt; }
#footer { font-size: 8pt; color: #666666; }
table.rows { width: 100%%; }
table.rows td, table.rows th { padding: 3pt 4pt; vertical-align: top; text-align: left;
  border-bottom: 0.5pt solid #dddddd; }
table.rows th { font-weight: bold; }
.label { width: 30%%; color: #555555; }
"""


class DocumentRenderError(Exception):
    """The PDF could not be produced; the message says why, for the log."""


def _text(value: str) -> str:
    return html.escape(str(value), quote=True)


def _png(data: bytes, css_class: str, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img class="{css_class}" alt="{_text(alt)}" src="data:image/png;base64,{encoded}">'


def _header(*, studio_name: str, studio_address: str, title: str, logo_png: bytes | None) -> str:
    logo = f"<p>{_png(logo_png, 'logo', studio_name)}</p>" if logo_png else ""
    address = "<br>".join(_text(line) for line in studio_address.splitlines() if line.strip())
    return (
        f'{logo}<p class="studio"><strong>{_text(studio_name)}</strong>'
        f"{'<br>' + address if address else ''}</p>"
        f'<h1 class="title">{_text(title)}</h1>'
    )


def _signature(*, signer_name: str, drawn_signature_png: bytes | None) -> str:
    if not signer_name and not drawn_signature_png:
        return ""
    drawn = f"<p>{_png(drawn_signature_png, '', signer_name)}</p>" if drawn_signature_png else ""
    said = gettext("Signed electronically by %(name)s") % {"name": _text(signer_name)}
    see = gettext("The signature certificate on the last page records how and when.")
    return (
        f'<div class="signature">{drawn}<p><strong>{said}</strong></p>'
        f'<p class="muted">{_text(see)}</p></div>'
    )


def _certificate(
    *, reference: str, certificate: list[tuple[str, str]], audit: list[tuple[str, str, str]]
) -> str:
    rows = "".join(
        f'<tr><td class="label">{_text(label)}</td><td>{_text(value)}</td></tr>'
        for label, value in certificate
    )
    trail = "".join(
        f"<tr><td>{_text(when)}</td><td>{_text(what)}</td><td>{_text(who)}</td></tr>"
        for when, what, who in audit
    )
    heads = "".join(
        f"<th>{_text(head)}</th>" for head in (gettext("When"), gettext("What"), gettext("Who"))
    )
    intro = gettext(
        "This certificate belongs to the document with reference %(reference)s. The file is "
        "sealed with a digital signature, so any later change to it shows in a PDF reader."
    ) % {"reference": reference}
    return (
        '<pdf:nextpage /><h1 class="title">'
        f"{_text(gettext('Signature certificate'))}</h1>"
        f'<p class="muted">{_text(intro)}</p>'
        f'<table class="rows" repeat="1">{rows}</table>'
        f"<h3>{_text(gettext('Audit trail'))}</h3>"
        f'<table class="rows" repeat="1"><tr>{heads}</tr>{trail}</table>'
    )


def _footer(reference: str) -> str:
    page = gettext("Page %(number)s of %(count)s") % {
        "number": "<pdf:pagenumber />",
        "count": "<pdf:pagecount />",
    }
    return f'<div id="footer">{_text(reference)} &middot; {page}</div>'


def document_html(
    *,
    title: str,
    body_html: str,
    studio_name: str,
    studio_address: str,
    reference: str,
    certificate: list[tuple[str, str]],
    audit: list[tuple[str, str, str]],
    drawn_signature_png: bytes | None,
    logo_png: bytes | None = None,
    signer_name: str = "",
) -> str:
    """The page xhtml2pdf draws. body_html must already be sanitised; the rest is escaped."""
    if not signer_name and certificate:
        signer_name = certificate[0][1]
    style = STYLE % {"dir": FONT_DIR.as_posix(), "cjk": CJK_FACES}
    header = _header(
        studio_name=studio_name, studio_address=studio_address, title=title, logo_png=logo_png
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{_text(title)}</title>'
        f"<style>{style}</style></head><body>"
        f"{_footer(reference)}"
        f"{header}"
        f'<div class="body">{body_html}</div>'
        f"{_signature(signer_name=signer_name, drawn_signature_png=drawn_signature_png)}"
        f"{_certificate(reference=reference, certificate=certificate, audit=audit)}"
        "</body></html>"
    )


def document_pdf_render(
    *,
    title: str,
    body_html: str,
    studio_name: str,
    studio_address: str,
    reference: str,
    certificate: list[tuple[str, str]],
    audit: list[tuple[str, str, str]],
    drawn_signature_png: bytes | None,
    logo_png: bytes | None = None,
    signer_name: str = "",
) -> bytes:
    """An A4 PDF: the studio, the title, the text, the signature, then the certificate page.

    certificate rows are (label, value), audit rows (when, what, who), all plain text.
    signer_name is the typed name under the text; empty means the first certificate row's
    value. Raises DocumentRenderError if xhtml2pdf reports an error.
    """
    page = document_html(
        title=title,
        body_html=body_html,
        studio_name=studio_name,
        studio_address=studio_address,
        reference=reference,
        certificate=certificate,
        audit=audit,
        drawn_signature_png=drawn_signature_png,
        logo_png=logo_png,
        signer_name=signer_name,
    )
    return html_pdf_render(page, reference=reference)


def html_pdf_render(page: str, *, reference: str) -> bytes:
    """A page of this module's HTML (see `plain_page_html`) as PDF bytes; raises
    DocumentRenderError if xhtml2pdf reports an error."""
    out = io.BytesIO()
    status = pisa.CreatePDF(
        page, dest=out, encoding="utf-8", resource_policy=POLICY, raise_exception=False
    )
    if status.err:
        raise DocumentRenderError(f"xhtml2pdf reported {status.err} error(s) for {reference}")
    return out.getvalue()


def plain_page_html(
    *,
    title: str,
    body_html: str,
    studio_name: str,
    studio_address: str,
    reference: str,
    logo_png: bytes | None = None,
    extra_style: str = "",
) -> str:
    """A page in the documents' house style without signature or certificate (invoices,
    receipts): the studio, the title, then body_html, which must already be escaped."""
    style = STYLE % {"dir": FONT_DIR.as_posix(), "cjk": CJK_FACES}
    header = _header(
        studio_name=studio_name, studio_address=studio_address, title=title, logo_png=logo_png
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{_text(title)}</title>'
        f"<style>{style}{extra_style}</style></head><body>"
        f"{_footer(reference)}{header}{body_html}</body></html>"
    )
