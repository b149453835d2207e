"""`mynadesk data generate`: a small city is generated, then read back the way the loader will read it."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from core.domain.cards import PRE_ISSUE_STATES, CardState
from core.domain.city import DISTRICTS
from core.domain.expiry import age_on, card_expiry
from core.domain.register import (
    COLUMNS,
    DATE_COLUMNS,
    FORBIDDEN_COLUMNS,
    has_gaiji,
    is_kana_name,
    parse_end_line,
    parse_register_date,
)
from demo.synth import GenerateSummary, generate
from demo.synth.files import LEDGER_COLUMNS

AS_OF = date(2026, 11, 26)
SCALE = 0.01
REGISTER = "resident_20261126_full.csv"
LEDGER = "cards_20261126.csv"


@dataclass
class Sample:
    """One generated city, read back."""

    folder: Path
    summary: GenerateSummary
    progress: list[tuple[str, int, int]]
    register: list[dict[str, str]]
    cards: list[dict[str, str]]
    register_header: list[str]
    cards_header: list[str]

    @property
    def residents(self) -> list[dict[str, str]]:
        return [r for r in self.register if r["resident_status"] == "1"]


def read_back(path: Path, encoding: str = "cp932") -> tuple[list[str], list[dict[str, str]]]:
    """Check the .end flag against the bytes, decode strictly, parse RFC 4180."""
    data = path.read_bytes()
    count, digest = parse_end_line(path.with_name(path.name + ".end").read_text(encoding="ascii"))
    assert digest == hashlib.sha256(data).hexdigest()
    text = data.decode(encoding)  # strict: any byte that is not valid CP932 fails here
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert count == len(rows) - 1
    header = rows[0]
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    folder = tmp_path_factory.mktemp("city")
    calls: list[tuple[str, int, int]] = []
    summary = generate(folder, scale=SCALE, seed=42, as_of=AS_OF, progress=lambda *call: calls.append(call))
    register_header, register = read_back(folder / REGISTER)
    cards_header, cards = read_back(folder / LEDGER)
    return Sample(folder, summary, calls, register, cards, register_header, cards_header)


def age(row: dict[str, str]) -> int:
    born = parse_register_date(row["birth_date"])
    day = born.as_date()
    return age_on(day, AS_OF) if day else AS_OF.year - born.year


def test_files_are_written_with_completion_flags(sample: Sample) -> None:
    names = sorted(p.name for p in sample.folder.iterdir())
    assert names == sorted([REGISTER, REGISTER + ".end", LEDGER, LEDGER + ".end"])
    assert sorted(p.name for p in sample.summary.files) == names
    for name in (REGISTER, LEDGER):
        raw = (sample.folder / name).read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF line ends only
        assert not raw.startswith(b"\xef\xbb\xbf")


def test_header_is_the_spec_columns_and_nothing_like_a_my_number(sample: Sample) -> None:
    assert tuple(sample.register_header) == COLUMNS
    assert tuple(sample.cards_header) == LEDGER_COLUMNS
    for header in (sample.register_header, sample.cards_header):
        for column in header:
            assert column not in FORBIDDEN_COLUMNS
            assert not re.search(r"kojin|my_?number|個人番号", column, re.IGNORECASE)
    twelve_digits = re.compile(r"\d{12}")  # a 個人番号 is 12 digits
    for row in sample.register:
        assert not any(twelve_digits.fullmatch(value) for value in row.values())


def test_exact_residents_and_households_within_two_percent(sample: Sample) -> None:
    assert len(sample.residents) == round(443_283 * SCALE) == sample.summary.residents
    households = {r["household_no"] for r in sample.residents}
    assert abs(len(households) / round(205_914 * SCALE) - 1) <= 0.02
    assert len(households) == sample.summary.households
    heads = Counter(r["household_no"] for r in sample.residents if r["relation"] == "世帯主")
    assert all(heads[h] == 1 for h in households)  # one living 世帯主 per household
    sizes = Counter(min(n, 5) for n in Counter(r["household_no"] for r in sample.residents).values())
    assert 0.34 <= sizes[1] / len(households) <= 0.44
    assert 0.02 <= sizes[5] / len(households) <= 0.07


def test_age_pyramid(sample: Sample) -> None:
    ages = [age(r) for r in sample.residents]
    n = len(ages)
    assert abs(sum(a >= 65 for a in ages) / n - 0.2475) < 0.005
    assert 0.10 < sum(a < 15 for a in ages) / n < 0.14
    assert 20 <= sum(a == 0 for a in ages) <= 45  # ~3,000 births a year per 443k
    assert max(ages) >= 95


def test_districts_follow_the_city_figures(sample: Sample) -> None:
    total = sum(d.population for d in DISTRICTS)
    counts = Counter(r["area_code"][:2] for r in sample.residents)
    for district in DISTRICTS:
        assert abs(counts[district.code] / len(sample.residents) - district.population / total) < 0.005


def test_addresses_postal_codes_and_area_codes(sample: Sample) -> None:
    pattern = re.compile(r"神奈川県藤沢市\D+(\d+丁目)?\d+(番\d+号|番地(の\d+)?)")
    for row in sample.register:
        assert pattern.fullmatch(row["address"]), row["address"]
        assert re.fullmatch(r"25[12]-\d{4}", row["postal_code"])
        assert re.fullmatch(r"\d{6}", row["area_code"])
    forms = Counter("番地" in r["address"] for r in sample.residents)
    assert forms[True] > 100
    assert forms[False] > 1000
    with_extra = sum(bool(r["address_extra"]) for r in sample.residents) / len(sample.residents)
    assert 0.2 < with_extra < 0.6


def test_foreign_residents(sample: Sample) -> None:
    foreign = [r for r in sample.residents if r["resident_kind"] == "2"]
    assert 0.015 <= len(foreign) / len(sample.residents) <= 0.025
    assert len(foreign) == sample.summary.foreign_residents
    for row in foreign:
        assert re.fullmatch(r"[A-Z][A-Z \-]*", row["name_alpha"]), row["name_alpha"]
        assert row["nationality"]
        assert row["residence_status"]
        permanent = row["residence_status"] in ("永住者", "特別永住者")
        assert bool(row["residence_expiry"]) != permanent
        if row["residence_expiry"]:
            expiry = parse_register_date(row["residence_expiry"]).as_date()
            assert expiry is not None
            assert expiry > AS_OF
    for row in sample.register:
        if row["resident_kind"] == "1":
            assert not (row["name_alpha"])
            assert not (row["nationality"])
            assert not (row["residence_status"])
    assert Counter(r["nationality"] for r in foreign).most_common(1)[0][0] == "中国"


def test_names_and_kana(sample: Sample) -> None:
    for row in sample.register:
        assert row["name"].count("\u3000") == 1
        assert is_kana_name(row["name_kana"]), row["name_kana"]
        assert row["relation"]
        assert row["sex"] in ("1", "2")
    surnames = Counter(r["name"].split("\u3000")[0] for r in sample.residents)
    assert len(surnames) > 80


def test_gaiji_names_survive_cp932(sample: Sample) -> None:
    gaiji = [r["name"] for r in sample.register if has_gaiji(r["name"])]
    assert gaiji
    for name in gaiji:
        assert all(ord(c) <= 0xE757 for c in name if 0xE000 <= ord(c) <= 0xF8FF)
        assert name.encode("cp932").decode("cp932") == name


def test_keys_are_unique_and_well_formed(sample: Sample) -> None:
    codes = [r["juminhyo_code"] for r in sample.register]
    assert all(re.fullmatch(r"\d{11}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    atena = [r["atena_no"] for r in sample.register]
    assert all(re.fullmatch(r"\d{1,15}", a) for a in atena)
    assert len(set(atena)) == len(atena)
    assert all(re.fullmatch(r"\d{1,15}", r["household_no"]) for r in sample.register)


def test_dates_parse_and_use_every_form(sample: Sample) -> None:
    forms: Counter[str] = Counter()
    partial = 0
    for row in sample.register:
        for column in DATE_COLUMNS:
            text = row[column]
            if not text:
                assert column in ("notified_date", "residence_expiry")
                continue
            parsed = parse_register_date(text)
            forms["iso" if "-" in text else "compact" if len(text) == 8 else "era"] += 1
            if column != "birth_date":
                day = parsed.as_date()
                assert day is not None
                assert day < AS_OF or column == "residence_expiry"
            partial += parsed.is_partial
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row["updated_at"])
    assert forms["iso"] > 10 * (forms["compact"] + forms["era"]) / 2
    assert forms["compact"] > 0
    assert forms["era"] > 0
    assert partial > 0
    assert sum(bool(r["notified_date"]) for r in sample.register) / len(sample.register) > 0.9


def test_removed_people_are_in_the_full_file(sample: Sample) -> None:
    removed = Counter(
        (r["resident_status"], r["move_reason"]) for r in sample.register if r["resident_status"] != "1"
    )
    assert set(removed) <= {("2", "B01"), ("2", "B02"), ("3", "B03"), ("9", "B04")}
    assert removed[("2", "B01")] > 100
    assert removed[("3", "B03")] > 20
    assert sum(removed.values()) == sample.summary.removed
    for row in sample.register:
        if row["resident_status"] != "1":
            moved = parse_register_date(row["move_date"]).as_date()
            assert moved is not None
            assert (AS_OF - moved).days <= 400
        else:
            assert row["move_reason"][0] in "AC"


def test_card_holding_follows_the_city_and_age(sample: Sample) -> None:
    held = [c for c in sample.cards if c["state"] == "issued"]
    assert len(held) == sample.summary.cards_held
    assert abs(len(held) / len(sample.residents) - 0.811) <= 0.02
    by_person = {r["atena_no"]: r for r in sample.register}
    toddlers = [r for r in sample.residents if age(r) < 5]
    middle = [r for r in sample.residents if 30 <= age(r) < 65]
    share = [sum(r["card_status"] == "1" for r in group) / len(group) for group in (toddlers, middle)]
    assert share[0] < share[1] - 0.15
    in_use = {c["atena_no"] for c in sample.cards if c["state"] in ("issued", "suspended")}
    for row in sample.residents:
        assert (row["card_status"] == "1") == (row["atena_no"] in in_use)
    for card in sample.cards:
        person = by_person[card["atena_no"]]
        assert card["juminhyo_code"] == person["juminhyo_code"]
        if card["state"] in {s.value for s in PRE_ISSUE_STATES} | {"issued", "suspended", "expired"}:
            assert person["resident_status"] == "1"


def test_every_pre_issue_state_is_waiting_at_the_city(sample: Sample) -> None:
    states = Counter(c["state"] for c in sample.cards)
    for state in CardState:
        assert states[state.value] > 0, state
    waiting = sum(states[s.value] for s in PRE_ISSUE_STATES)
    assert 20 <= waiting <= 100
    for card in sample.cards:
        if card["state"] in ("arrived", "preset", "notified", "mail_returned", "reserved", "reminded"):
            assert re.fullmatch(r"B-\d{4}-\d{4}", card["storage_box"])
            assert card["storage_slot"]
        if card["state"] == "revoked":
            assert card["revoke_reason"]


def test_ledger_dates_are_before_the_extract_day_and_in_order(sample: Sample) -> None:
    future_ok = {"expires_on", "reserved_for", "user_cert_expires_on", "sign_cert_expires_on"}
    steps = ("applied_on", "issued_on", "arrived_on", "preset_on", "notified_on", "handed_over_on")
    for card in sample.cards:
        for column in LEDGER_COLUMNS:
            if column.endswith(("_on", "_for")) and card[column] and column not in future_ok:
                assert date.fromisoformat(card[column]) < AS_OF, (column, card)
        assert card["updated_at"][:10] < AS_OF.isoformat()
        if card["reserved_for"]:
            assert card["state"] == "reserved"
            assert date.fromisoformat(card["reserved_for"]) > AS_OF
        days = [card[step] for step in steps if card[step]]
        assert days == sorted(days)


def test_notice_numbers(sample: Sample) -> None:
    numbers = [c["notice_no"] for c in sample.cards if c["notice_no"]]
    assert numbers
    assert all(re.fullmatch(r"[0-9A-Z]{3}-\d{6}", n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    for card in sample.cards:
        assert bool(card["notice_no"]) == bool(card["notified_on"])


def test_card_expiry_is_computed_by_the_domain_rules(sample: Sample) -> None:
    people = {r["atena_no"]: r for r in sample.register}
    checked = 0
    for card in sample.cards:
        person = people[card["atena_no"]]
        born = parse_register_date(person["birth_date"]).as_date()
        foreign = person["resident_kind"] == "2"
        stay = (
            parse_register_date(person["residence_expiry"]).as_date() if person["residence_expiry"] else None
        )
        assert born is not None
        expected = card_expiry(
            born,
            date.fromisoformat(card["issued_on"]),
            date.fromisoformat(card["applied_on"]),
            foreign_resident=foreign,
            residence_status=person["residence_status"] or None,
            residence_expiry=stay,
        )
        assert card["expires_on"] == expected.isoformat()
        if card["user_cert_expires_on"]:
            assert card["user_cert_expires_on"] <= card["expires_on"]
        if card["sign_cert_expires_on"]:
            assert card["sign_cert_expires_on"] <= card["user_cert_expires_on"]
            assert age_on(born, date.fromisoformat(card["issued_on"])) >= 15
        checked += 1
    assert checked == len(sample.cards)
    assert any(c["application_kind"] == "更新" and c["revoke_reason"] == "更新" for c in sample.cards)


def test_progress_is_reported_to_the_end(sample: Sample) -> None:
    last: dict[str, tuple[int, int]] = {}
    for task, done, total in sample.progress:
        last[task] = (done, total)
    assert len(last) == 3
    assert all(done == total for done, total in last.values())


def test_same_seed_same_bytes_other_seed_other_bytes(sample: Sample, tmp_path: Path) -> None:
    generate(tmp_path / "again", scale=SCALE, seed=42, as_of=AS_OF)
    generate(tmp_path / "other", scale=SCALE, seed=43, as_of=AS_OF)
    for name in (REGISTER, LEDGER, REGISTER + ".end"):
        original = (sample.folder / name).read_bytes()
        assert (tmp_path / "again" / name).read_bytes() == original
        assert (tmp_path / "other" / name).read_bytes() != original


def test_utf8_option_writes_the_same_content(sample: Sample, tmp_path: Path) -> None:
    generate(tmp_path, scale=SCALE, seed=42, as_of=AS_OF, encoding="utf-8")
    header, rows = read_back(tmp_path / REGISTER, "utf-8")
    assert header == sample.register_header
    assert rows == sample.register
    assert read_back(tmp_path / LEDGER, "utf-8")[1] == sample.cards


def test_scale_and_encoding_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=0, as_of=AS_OF)
    with pytest.raises(ValueError, match="encoding"):
        generate(tmp_path, scale=SCALE, as_of=AS_OF, encoding="latin-1")
    assert list(tmp_path.iterdir()) == []


def test_partial_birth_dates_are_mostly_elderly_foreign_residents(sample: Sample) -> None:
    partial = [r for r in sample.register if parse_register_date(r["birth_date"]).is_partial]
    assert partial
    assert sum(r["resident_kind"] == "2" for r in partial) >= len(partial) / 2
    assert all(parse_register_date(r["birth_date"]).year < 1970 for r in partial)  # elderly
    assert not {r["atena_no"] for r in partial} & {c["atena_no"] for c in sample.cards}


@pytest.mark.slow
def test_full_scale_city(tmp_path: Path) -> None:
    summary = generate(tmp_path, scale=1.0, seed=42, as_of=AS_OF)
    residents = held = 0
    with (tmp_path / REGISTER).open(encoding="cp932", newline="") as handle:
        for row in csv.DictReader(handle):
            residents += row["resident_status"] == "1"
    with (tmp_path / LEDGER).open(encoding="cp932", newline="") as handle:
        for row in csv.DictReader(handle):
            held += row["state"] == "issued"
    assert residents == 443_283 == summary.residents
    assert abs(held / 359_679 - 1) <= 0.01
    assert abs(summary.households / 205_914 - 1) <= 0.02
    assert summary.seconds < 60


def test_handovers_do_not_pile_up_on_the_day_before_the_extract(sample: Sample) -> None:
    # Cards in use made too recently to have been collected used to be handed over on the last possible day:
    # thousands of handovers (~3,350 at Fujisawa scale) on the day the ledger is migrated, against ~120 a day.
    handed = Counter(c["handed_over_on"] for c in sample.cards if c["handed_over_on"])
    renewed = Counter(
        c["issued_on"] for c in sample.cards if c["application_kind"] == "更新" and c["handed_over_on"]
    )
    last_year = [date.fromordinal(AS_OF.toordinal() - n).isoformat() for n in range(1, 366)]
    daily = sorted(handed[d] for d in last_year)
    median = daily[len(daily) // 2]
    assert handed[last_year[0]] <= max(6, 3 * median), (handed[last_year[0]], median)
    assert max(daily) <= max(8, 4 * median)
    assert max(renewed[d] for d in last_year) <= 8  # renewals too late for the window: not all on one day
