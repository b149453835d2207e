"""The counter's application forms MynaDesk fills in (書かない窓口), and where their values come from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.domain.cards import CertificateState
from core.domain.expiry import in_renewal_window


class FormKind(StrEnum):
    """A form MynaDesk prints pre-filled."""

    CERTIFICATE = "certificate"  # 電子証明書発行/更新申請書
    PIN_RESET = "pin_reset"  # 暗証番号再設定申請書
    FACE_CHANGE = "face_change"  # 券面記載事項変更届
    RECEIPT = "receipt"  # カード受領書
    NOTICE = "notice"  # 交付通知書 (再発行)

    @property
    def label_ja(self) -> str:
        """The form's title."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The form's English name."""
        return _LABELS[self][1]


_LABELS: dict[FormKind, tuple[str, str]] = {
    FormKind.CERTIFICATE: (
        "電子証明書発行/更新申請書",
        "application for issuing or renewing the certificates",
    ),
    FormKind.PIN_RESET: ("暗証番号再設定申請書", "application for a PIN reset"),
    FormKind.FACE_CHANGE: ("券面記載事項変更届", "notification of a change to the card face"),
    FormKind.RECEIPT: ("カード受領書", "card receipt"),
    FormKind.NOTICE: ("交付通知書(再発行)", "card issuance notice (reprint)"),
}


class FormSource(StrEnum):
    """Where the printed personal items came from."""

    CARD = "card"  # read from the chip at the counter
    REGISTER = "register"  # the resident register's record

    @property
    def label_ja(self) -> str:
        """Shown on the form's footer."""
        return "ICチップ読取" if self is FormSource.CARD else "住民記録"


def form_reference(form_id: int) -> str:
    """The printed reference of a filled form (also in its QR code): `MDF-` + 8 digits."""
    return f"MDF-{form_id:08d}"


def parse_form_reference(reference: str) -> int | None:
    """The filled form's id from its printed reference or QR text (`MDF-00000042` → 42; the QR's kind,
    宛名番号 and date after the reference are ignored), or None when malformed."""
    text = reference.strip().upper().removeprefix("MYNADESK:FORM:").split(":")[0]
    if not text.startswith("MDF-") or not text[4:].isdigit():
        return None
    return int(text[4:])


class CertificateApplication(StrEnum):
    """The 区分 of an 電子証明書発行/更新申請書."""

    NEW = "new"  # 新規発行: the card has no certificate (none issued, or the resident declined)
    RENEWAL = "renewal"  # 更新: a valid certificate inside its renewal window
    REISSUE = "reissue"  # 失効後の再発行: expired or revoked


@dataclass(frozen=True)
class CertificateFacts:
    """One certificate of the card, as the ledger holds it."""

    state: CertificateState
    expires_on: date | None


def suggest_certificate_application(
    certificates: list[CertificateFacts], today: date
) -> CertificateApplication | None:
    """The 区分 MynaDesk pre-marks (staff confirm it with the resident); None when nothing fits yet."""
    states = {c.state for c in certificates}
    if not certificates or states <= {CertificateState.NONE}:
        return CertificateApplication.NEW
    if states & {CertificateState.EXPIRED, CertificateState.REVOKED}:
        return CertificateApplication.REISSUE
    valid = [c for c in certificates if c.state is CertificateState.VALID and c.expires_on is not None]
    if valid and any(c.expires_on is not None and in_renewal_window(c.expires_on, today) for c in valid):
        return CertificateApplication.RENEWAL
    return None
