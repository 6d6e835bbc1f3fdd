"""FINESS numbers: format, territorial prefix, Luhn key (property-based)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from vigie.directory.finess import (
    METROPOLITAN_PREFIXES,
    OVERSEAS_PREFIXES,
    departement_code,
    finess_error,
    format_finess,
    is_valid_finess,
    normalize_finess,
    validate_finess,
)
from vigie.directory.models import Departement, Structure, StructureKind

# Real numbers checked against the public extract (SPEC §2).
REAL_NUMBERS = ["010003820", "010000016", "970100400", "980501506", "2B0000020", "2A0000170"]


def luhn_key(first_eight: str) -> str:
    """The check digit, computed independently of finess.py (Corsica: A=1, B=2)."""
    total = 0
    for position, char in enumerate(reversed(first_eight)):
        digit = int(char) if char.isdigit() else {"A": 1, "B": 2}.get(char, 0)
        if position % 2 == 0:  # doubled: every second digit from the key's left
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def with_key(first_eight: str) -> str:
    return first_eight + luhn_key(first_eight)


def kind_of_error(value: str) -> str | None:
    """Which rule a value breaks: "format", "prefix" or "key" (read from the msgid)."""
    with translation.override("en"):
        message = finess_error(value)
    if message is None:
        return None
    if "9 characters" in message:
        return "format"
    if "does not start with" in message:
        return "prefix"
    assert "check key" in message, message
    return "key"


prefixes = st.sampled_from(sorted(METROPOLITAN_PREFIXES) + sorted(OVERSEAS_PREFIXES))


@st.composite
def valid_numbers(draw: st.DrawFn, prefix: st.SearchStrategy[str] = prefixes) -> str:
    start = draw(prefix)
    body = draw(st.text("0123456789", min_size=8 - len(start), max_size=8 - len(start)))
    return with_key(start + body)


digit_prefixes = st.sampled_from(
    sorted(p for p in METROPOLITAN_PREFIXES if p.isdigit()) + sorted(OVERSEAS_PREFIXES)
)


@given(valid_numbers())
@example("2A0000170")
@example("2B0000020")
def test_every_number_with_a_computed_key_is_valid(number: str) -> None:
    assert finess_error(number) is None
    assert is_valid_finess(number)
    validate_finess(number)  # does not raise


@given(valid_numbers(digit_prefixes), st.integers(0, 8), st.integers(1, 9))
def test_changing_any_single_digit_makes_the_number_invalid(
    number: str, position: int, shift: int
) -> None:
    changed = str((int(number[position]) + shift) % 10)
    mistyped = number[:position] + changed + number[position + 1 :]
    assert finess_error(mistyped) is not None
    if departement_code(mistyped) is not None:
        # The prefix still reads as a territory: the Luhn key is what catches the typo.
        assert kind_of_error(mistyped) == "key"


@given(valid_numbers(digit_prefixes))
def test_each_number_has_exactly_one_valid_key(number: str) -> None:
    others = [number[:8] + str(d) for d in range(10) if str(d) != number[8]]
    assert all(kind_of_error(other) == "key" for other in others)


@pytest.mark.parametrize("number", REAL_NUMBERS)
def test_real_numbers_from_the_spec_are_valid(number: str) -> None:
    assert finess_error(number) is None


@given(st.text("0123456789", max_size=14).filter(lambda s: len(s) != 9))
def test_a_wrong_length_is_a_format_error(value: str) -> None:
    assert kind_of_error(value) == "format"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "01000001",  # 8 characters
        "0100000160",  # 10
        "01A000016",  # a letter in the body
        "A10000016",  # a letter first
        "2A00001X0",
        "01000001é",
    ],
)
def test_format_errors(value: str) -> None:
    assert kind_of_error(value) == "format"


@pytest.mark.parametrize(
    "start",
    ["00", "20", "96", "99", "9700", "9705", "9706", "9801", "9806", "2C", "0A", "1B"],
)
def test_unknown_prefixes_are_rejected(start: str) -> None:
    number = with_key(start + "0" * (8 - len(start)))
    assert departement_code(number) is None
    assert kind_of_error(number) == "prefix"


def test_lowercase_is_normalised_only_where_a_letter_may_stand() -> None:
    # People type the Corsican letter in lower case: it is read as upper case.
    assert normalize_finess("2a 000 017 0") == "2A0000170"
    assert finess_error("2a0000170") is None
    # A lower-case letter anywhere else is still not a FINESS number.
    assert kind_of_error("0a0000016") == "prefix"
    assert kind_of_error("01a000016") == "format"


@given(st.text(max_size=20))
def test_any_text_gets_an_answer_and_never_an_exception(value: str) -> None:
    message = finess_error(value)
    assert message is None or isinstance(message, str)
    if message is None:
        assert len(normalize_finess(value)) == 9


@pytest.mark.parametrize(
    ("typed", "number"),
    [("01 000 382 0", "010003820"), ("01.000.382.0", "010003820"), (" 2b0000020 ", "2B0000020")],
)
def test_spaces_and_dots_typed_by_people_are_ignored(typed: str, number: str) -> None:
    assert normalize_finess(typed) == number
    assert finess_error(typed) is None


def test_display_format() -> None:
    assert format_finess("010003820") == "01 000 382 0"
    assert format_finess("2A0000170") == "2A 000 017 0"
    assert format_finess("01 000 382 0") == "01 000 382 0"
    assert format_finess("12345") == "12345"  # not a FINESS number: unchanged


@given(valid_numbers())
def test_display_format_round_trips(number: str) -> None:
    shown = format_finess(number)
    assert len(shown) == 12
    assert shown.count(" ") == 3
    assert normalize_finess(shown) == number


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("970100400", "971"),
        ("970210126", "972"),
        ("970300026", "973"),
        ("970400024", "974"),
        ("980501506", "976"),
        ("2A0000170", "2A"),
        ("2B0000020", "2B"),
        ("010003820", "01"),
        ("950000000", "95"),
        ("980600027", None),  # Wallis-et-Futuna: no ARS here
        ("970500000", None),  # Saint-Pierre-et-Miquelon
    ],
)
def test_departement_code(number: str, code: str | None) -> None:
    assert departement_code(number) == code


@given(valid_numbers(st.sampled_from(sorted(OVERSEAS_PREFIXES))))
def test_overseas_numbers_belong_to_their_departement(number: str) -> None:
    assert departement_code(number) == OVERSEAS_PREFIXES[number[:4]]


def test_validator_raises_with_a_code() -> None:
    with pytest.raises(ValidationError) as info:
        validate_finess("010003821")
    assert info.value.code == "invalid_finess"


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["010003821", "200000000", "01000382", "9706000000"])
def test_structure_full_clean_refuses_an_invalid_finess(number: str) -> None:
    structure = Structure(
        finess=number,
        name="Centre hospitalier",
        kind=StructureKind.HEALTH_FACILITY,
        departement=Departement.objects.get(code="01"),
    )
    with pytest.raises(ValidationError) as info:
        structure.full_clean()
    errors = info.value.error_dict
    assert set(errors) == {"finess"}
    codes = {error.code for error in errors["finess"]}
    assert "invalid_finess" in codes or "max_length" in codes


@pytest.mark.django_db
def test_structure_full_clean_accepts_a_valid_finess() -> None:
    structure = Structure(
        finess="2A0000170",
        name="Centre hospitalier",
        kind=StructureKind.HEALTH_FACILITY,
        departement=Departement.objects.get(code="2A"),
    )
    structure.full_clean()


def test_helper_key_agrees_with_the_spec_examples() -> None:
    # Guards the independent implementation the properties above rely on.
    for number in REAL_NUMBERS:
        assert luhn_key(number[:8]) == number[8]
