"""Printed documents: HTML templates rendered to PDF with xhtml2pdf and the embedded IPAex fonts (fonts/,
with the IPA Font License), the five pre-filled counter forms (forms.py), filling them (filling.py)."""
