"""QR codes for printed pages (the activation slips), made by segno as an SVG data URI:
an ``<img src>`` the page's content security policy allows, and no markup put in the page."""
import segno


def qr_code(text: str) -> str:
    """A data URI of an SVG QR code of ``text`` (medium error correction: a slip gets folded)."""
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)
