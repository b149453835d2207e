"""Filled forms as PDF: the text comes back out (pypdf), the Japanese font is embedded, page 1 is rendered to
PNG for review (tests/artifacts/), and every form is kept as an audited record."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.forms import FilledForm
from core.domain.booking import TOKYO as JST
from core.domain.forms import FormKind
from core.domain.identity import PersonFace
from core.services.residents import ResidentNotFound
from reports.filling import fill_form
from reports.pdf import GETA, unprintable
from tests.reports.people import HANAKO, add_card, add_resident

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
NOW = datetime(2026, 11, 26, 10, 5, tzinfo=JST)


def pdf_text(pdf: bytes) -> str:
    """All text of the PDF with line breaks removed (long addresses wrap), U+3000 read back as a space.

    reportlab's paragraph layout treats U+3000 as a word space, so the text layer holds " " where the record
    holds U+3000; the stored record keeps the exact value.
    """
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def printed(value: str) -> str:
    return value.replace("\u3000", " ")


def fonts(pdf: bytes) -> dict[str, Any]:
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, Any] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            obj = font.get_object()
            found[str(obj["/BaseFont"])] = obj
    return found


def save_png(pdf: bytes, name: str) -> Path:
    """Page 1 as PNG in tests/artifacts/ (pdftoppm, from poppler-utils) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / f"{name}.pdf"
    pdf_path.write_bytes(pdf)
    assert shutil.which("pdftoppm"), "pdftoppm missing: bash scripts/debian-packages.sh test"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf_path),
            str(ARTIFACTS / name),
        ],
        check=True,
        timeout=60,
    )
    return ARTIFACTS / f"{name}.png"


@pytest.mark.parametrize("kind", list(FormKind))
def test_every_form_prints_the_residents_name_and_address(session: Session, kind: FormKind) -> None:
    resident = add_resident(session)
    add_card(session, resident.atena_no)
    result = fill_form(session, kind, resident.atena_no, actor="S0001", now=NOW)
    text = pdf_text(result.pdf)
    assert kind.label_ja in text
    assert printed(HANAKO["name"]) in text
    assert HANAKO["address"] in text
    assert result.reference in text
    png = save_png(result.pdf, f"form-{kind.value}")
    assert png.stat().st_size > 10_000


def test_the_japanese_fonts_are_embedded_and_nothing_is_left_without_a_glyph(session: Session) -> None:
    resident = add_resident(session)
    result = fill_form(session, FormKind.CERTIFICATE, resident.atena_no, actor="S0001", now=NOW)
    embedded = {name: obj for name, obj in fonts(result.pdf).items() if "IPAex" in name}
    assert embedded, "IPAex fonts must be used"
    for obj in embedded.values():
        assert "/FontFile2" in obj["/FontDescriptor"]  # the TrueType program is inside the PDF
    assert unprintable(pdf_text(result.pdf).replace(" ", "")) == []


def test_gaiji_prints_as_geta_with_a_note_and_the_record_keeps_the_exact_name(session: Session) -> None:
    name = "\ue0a1田\u3000\U00020bb7子"  # a private-use 外字 and 𠮷, which IPAex has no glyph for
    resident = add_resident(session, name=name)
    result = fill_form(session, FormKind.RECEIPT, resident.atena_no, actor="S0001", now=NOW)
    text = pdf_text(result.pdf)
    assert f"{GETA}田 {GETA}子" in text
    assert "外字" in text
    record = session.get(FilledForm, result.form_id)
    assert record is not None
    assert record.form_values["person"]["name"] == name
    save_png(result.pdf, "form-receipt-gaiji")


def test_a_form_filled_from_the_card_prints_the_cards_items(session: Session) -> None:
    resident = add_resident(session)
    card_face = PersonFace("藤沢\u3000花子", "神奈川県藤沢市朝日町１番地１", date(1985, 4, 12), "2")
    result = fill_form(
        session, FormKind.PIN_RESET, resident.atena_no, actor="S0002", card_face=card_face, now=NOW
    )
    text = pdf_text(result.pdf)
    assert "神奈川県藤沢市朝日町１番地１" in text
    assert "ICチップ読取" in text
    record = session.get(FilledForm, result.form_id)
    assert record is not None
    assert record.source == "card"


def test_the_face_change_form_shows_the_card_before_and_the_register_after(session: Session) -> None:
    resident = add_resident(session)
    add_card(session, resident.atena_no)
    card_face = PersonFace("藤沢\u3000花子", "神奈川県藤沢市朝日町１番地１", date(1985, 4, 12), "2")
    result = fill_form(
        session, FormKind.FACE_CHANGE, resident.atena_no, actor="S0001", card_face=card_face, now=NOW
    )
    text = pdf_text(result.pdf)
    assert "神奈川県藤沢市朝日町１番地１" in text
    assert HANAKO["address"] + HANAKO["address_extra"] in text
    record = session.get(FilledForm, result.form_id)
    assert record is not None
    assert record.form_values["changed"] == {
        "name": False,
        "address": True,
        "birth_date": False,
        "sex": False,
    }
    save_png(result.pdf, "form-face_change-from-card")


def test_the_notice_reprint_carries_the_notice_number(session: Session) -> None:
    resident = add_resident(session)
    add_card(session, resident.atena_no, notice_no="FJS-654321")
    result = fill_form(session, FormKind.NOTICE, resident.atena_no, actor="S0001", now=NOW)
    assert "FJS-654321" in pdf_text(result.pdf)


def test_every_filled_form_is_a_record_and_an_audit_entry(session: Session) -> None:
    resident = add_resident(session)
    card = add_card(session, resident.atena_no)
    result = fill_form(
        session, FormKind.CERTIFICATE, resident.atena_no, actor="S0007", terminal="T-12", now=NOW
    )
    record = session.get(FilledForm, result.form_id)
    assert record is not None
    assert (record.kind, record.created_by, record.terminal, record.card_id) == (
        "certificate",
        "S0007",
        "T-12",
        card.id,
    )
    assert record.form_values["person"]["birth_date"] == "1985-04-12"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.object_id == result.reference)).one()
    assert (entry.actor, entry.action, entry.subject_atena_no) == ("S0007", "form_filled", resident.atena_no)
    assert entry.detail is not None
    assert "花子" not in str(entry.detail)  # the audit says which fields, not their values


def test_an_unknown_person_is_refused_and_nothing_is_stored(session: Session) -> None:
    before = session.scalars(select(FilledForm)).all()
    with pytest.raises(ResidentNotFound) as refused:
        fill_form(session, FormKind.CERTIFICATE, "999999999999", actor="S0001", now=NOW)
    assert "宛名番号 999999999999" in refused.value.message_ja
    assert session.scalars(select(FilledForm)).all() == before


def test_a_stored_form_reprints_from_its_record_by_reference_or_qr_text(session: Session) -> None:
    from reports.filling import reprint_form

    resident = add_resident(session)
    first = fill_form(session, FormKind.PIN_RESET, resident.atena_no, actor="S0001", now=NOW)
    again = reprint_form(session, f"MYNADESK:FORM:{first.reference}", actor="S0002", now=NOW)
    assert again.reference == first.reference
    reprint_text = pdf_text(again.pdf)
    assert "再印刷 2026年11月26日(木) 10:05" in reprint_text
    assert reprint_text.replace(" ・ 再印刷 2026年11月26日(木) 10:05", "") == pdf_text(first.pdf)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "form_reprinted")).one()
    assert (entry.actor, entry.object_id) == ("S0002", first.reference)


@pytest.mark.parametrize("reference", ["MDF-99999999", "ABC", ""])
def test_an_unknown_reference_is_refused(session: Session, reference: str) -> None:
    from core.services.forms import FilledFormNotFound
    from reports.filling import reprint_form

    with pytest.raises(FilledFormNotFound):
        reprint_form(session, reference, actor="S0002", now=NOW)


def test_a_card_of_another_person_is_refused_and_nothing_is_stored(session: Session) -> None:
    from core.domain.identity import NotThisPerson

    resident = add_resident(session)
    someone_else = PersonFace("藤沢\u3000花子", "神奈川県藤沢市朝日町１番地１", date(1990, 1, 1), "2")
    before = session.scalars(select(FilledForm)).all()
    with pytest.raises(NotThisPerson) as refused:
        fill_form(
            session, FormKind.RECEIPT, resident.atena_no, actor="S0001", card_face=someone_else, now=NOW
        )
    assert "生年月日" in refused.value.message_ja
    assert "1990-01-01" in refused.value.message_ja
    assert session.scalars(select(FilledForm)).all() == before


def test_the_certificate_form_pre_marks_a_reissue_for_an_expired_certificate(session: Session) -> None:
    from core.db.models.cards import Certificate

    resident = add_resident(session)
    card = add_card(session, resident.atena_no)
    session.add(Certificate(card_id=card.id, kind="user", state="expired", expires_on=date(2026, 4, 12)))
    session.flush()
    result = fill_form(session, FormKind.CERTIFICATE, resident.atena_no, actor="S0001", now=NOW)
    text = pdf_text(result.pdf)
    assert "■ 失効後の再発行" in text
    assert "□ 更新" in text
    assert "台帳からの判定" in text
    save_png(result.pdf, "form-certificate-reissue")
