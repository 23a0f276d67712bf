"""SECURITY.md 12: argon2id, 12 to 128 characters, no composition rules, and passwords that are
easy to guess (zxcvbn with the user's own words and the site's names) refused with a reason."""

from pathlib import Path

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type

from app import create_app
from app.auth import logic
from app.extensions import db
from app.security import hash_password, password_problem, verify_password
from config import Config
from tests.conftest import link_in
from tests.factories import make_school

COMMON_LIST = Path(__file__).parent.parent / "app" / "data" / "common_passwords.txt"


def activation_link(app, outbox, email="nieuw@cvo.example") -> str:
    with app.app_context():
        school = make_school(name="CVO Kempen")
        logic.invite_user(email, "school", school_id=school.id)
        db.session.commit()
    return link_in(outbox()[-1][2])


def choose(client, link: str, password: str):
    return client.post(link, data={"password": password, "confirm": password})


def test_sec_12_a_run_of_digits_is_refused_and_the_message_says_why(
    app, client, outbox
):
    link = activation_link(app, outbox)
    response = choose(client, link, "123456789012345")
    assert response.status_code == 200
    assert "Dit paswoord is te makkelijk te raden" in response.text
    assert "het lijkt op een veelgebruikt paswoord" in response.text
    assert 'aria-invalid="true"' in response.text
    assert client.get(link).status_code == 200  # the link still works


@pytest.mark.parametrize(
    "password",
    ["nieuw@cvo.example", "nieuwcvoexample!", "CVO Kempen 2026", "Stagematching2026"],
)
def test_sec_12_the_users_own_address_organisation_and_the_sites_names_are_refused(
    app, client, outbox, password
):
    link = activation_link(app, outbox)
    response = choose(client, link, password)
    assert (
        "het bevat je e-mailadres, de naam van je organisatie, Stagematching of VIVO"
        in response.text
    )


@pytest.mark.parametrize(
    "password, reason",
    [
        ("aaaaaaaaaaaaaa", "herhalingen zoals"),
        ("abcdefghijklmnop", "reeksen zoals"),
        ("01/02/1990xx", "datums zijn makkelijk te raden"),
    ],
)
def test_sec_12_zxcvbns_warning_is_told_in_dutch(ctx, password, reason):
    problem = password_problem(password)
    assert problem.startswith("Dit paswoord is te makkelijk te raden: ")
    assert reason in problem


def test_sec_12_every_entry_of_the_common_list_is_refused(ctx):
    entries = [line for line in COMMON_LIST.read_text().split() if line]
    assert len(entries) > 50
    assert [p for p in entries if password_problem(p) is None] == []


@pytest.mark.parametrize(
    "password",
    ["koffie en appeltaart", "Vz8#kq2!Lm4p", "een verse zin voor maandag"],
)
def test_sec_12_a_few_uncommon_words_or_a_random_string_are_accepted(ctx, password):
    assert password_problem(password, ["nieuw@cvo.example", "CVO Kempen"]) is None


def test_sec_12_length_stays_12_to_128_without_composition_rules(app, client, outbox):
    link = activation_link(app, outbox)
    assert "minstens 12" in choose(client, link, "Vz8#kq2!Lm4").text
    assert "hoogstens 128" in choose(client, link, "wolk boom " * 12 + "zee zand!").text
    words = "bij de molen staat een oude eik met zeven takken en een uil "
    longest = (words * 3)[:128]
    assert len(longest) == 128
    assert (
        choose(client, link, longest).status_code == 302
    )  # lower case and spaces only


def test_sec_12_passwords_are_hashed_with_argon2id_at_production_cost(tmp_path):
    """The suite hashes cheaply; the development and production settings never do."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}")
    with app.app_context():
        hashed = hash_password("een lange zin om te hashen")
        parameters = extract_parameters(hashed)
        assert parameters.type is Type.ID
        # OWASP's minimum for argon2id is 19 MiB, 2 iterations; RFC 9106's profile is above.
        assert parameters.memory_cost >= 19 * 1024
        assert parameters.time_cost >= 2
        assert verify_password(hashed, "een lange zin om te hashen")
        assert not verify_password(hashed, "een andere zin")


@pytest.mark.parametrize("app_overrides", [{"ARGON2_TEST_CHEAP": False}])
def test_sec_12_the_cheap_test_hashing_can_be_turned_off(app, app_overrides):
    with app.app_context():
        assert extract_parameters(hash_password("een zin")).memory_cost >= 19 * 1024


def test_sec_12_the_suite_hashes_cheaply_but_verifies_any_hash(ctx, tmp_path):
    cheap = hash_password("een lange zin om te hashen")
    assert extract_parameters(cheap).type is Type.ID
    assert extract_parameters(cheap).memory_cost < 1024
    production = create_app(
        Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}"
    )
    with production.app_context():
        strong = hash_password("een lange zin om te hashen")
    assert verify_password(strong, "een lange zin om te hashen")
    assert not verify_password(None, "een lange zin om te hashen")


@pytest.mark.parametrize(
    "password",
    [
        "Welkom2027!!",
        "Paswoord2026!",
        "Wachtwoord2027",
        "Winter2026!!",
        "Zomer2026!!!",
        "Herfst2026!!",
        "Antwerpen2026",
        "Verpleegkunde2026",
    ],
)
def test_sec_12_a_common_dutch_word_with_a_year_and_signs_is_refused(ctx, password):
    """zxcvbn knows no Dutch: app/data/dutch_words.txt is added to its user inputs."""
    problem = password_problem(password, ["nieuw@cvo.example", "CVO Kempen"])
    assert problem and problem.startswith("Dit paswoord is te makkelijk te raden")


@pytest.mark.parametrize(
    "password", ["\n" * 14, " " * 14, "\t \r\n" * 4, "\u200b" * 13]
)
def test_sec_12_a_password_of_only_whitespace_or_control_characters_is_refused(
    app, client, outbox, password
):
    assert "niet enkel uit spaties" in password_problem(password)
    link = activation_link(app, outbox)
    response = choose(client, link, password)
    assert response.status_code == 200  # refused on the form too, whatever the reason
    assert 'aria-invalid="true"' in response.text
    assert client.get(link).status_code == 200  # the link was not used
