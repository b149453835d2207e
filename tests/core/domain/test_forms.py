"""Which 区分 the 電子証明書発行/更新申請書 pre-marks, and the printed form references."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.cards import CertificateState
from core.domain.forms import (
    CertificateApplication,
    CertificateFacts,
    FormKind,
    form_reference,
    parse_form_reference,
    suggest_certificate_application,
)

TODAY = date(2026, 11, 26)


def _facts(*pairs: tuple[CertificateState, date | None]) -> list[CertificateFacts]:
    return [CertificateFacts(state, expires) for state, expires in pairs]


@pytest.mark.parametrize(
    ("certificates", "expected"),
    [
        ([], CertificateApplication.NEW),
        (_facts((CertificateState.NONE, None)), CertificateApplication.NEW),
        (_facts((CertificateState.VALID, date(2027, 1, 31))), CertificateApplication.RENEWAL),
        (_facts((CertificateState.VALID, date(2027, 2, 26))), CertificateApplication.RENEWAL),
        (_facts((CertificateState.VALID, date(2027, 2, 27))), None),  # the window opens tomorrow
        (_facts((CertificateState.EXPIRED, date(2026, 1, 1))), CertificateApplication.REISSUE),
        (
            _facts((CertificateState.VALID, date(2030, 1, 1)), (CertificateState.REVOKED, date(2030, 1, 1))),
            CertificateApplication.REISSUE,
        ),
    ],
)
def test_the_suggested_application_follows_the_ledger(
    certificates: list[CertificateFacts], expected: CertificateApplication | None
) -> None:
    assert suggest_certificate_application(certificates, TODAY) is expected


def test_references_round_trip_and_junk_is_refused() -> None:
    assert parse_form_reference(form_reference(42)) == 42
    assert parse_form_reference("mynadesk:form:mdf-00000042") == 42
    assert parse_form_reference("MDF-") is None
    assert parse_form_reference("42") is None


def test_every_form_has_a_japanese_and_an_english_title() -> None:
    assert all(kind.label_ja and kind.label_en.isascii() for kind in FormKind)
