"""People and roles, on SQLite and PostgreSQL: consent, bootstrap coordinators,
single-use expiring role invites, group invite links."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from bot.cli import cli
from bot.services.people import InviteError, PeopleService, clean_display_name
from bot.storage.models import Group, RoleInvite
from bot.storage.types import utcnow
from conftest import free_port, fresh_sandbox


@pytest.fixture
def people(db) -> PeopleService:
    return PeopleService(db, bootstrap_coordinators=[777], invite_expiry=timedelta(hours=72))


def test_nobody_has_a_role_before_consenting(people):
    assert people.roles_of(people.find(5)) == set()
    person = people.consent(5, "uk", "Europe/London")
    assert people.roles_of(person) == {"participant"}


def test_the_bootstrap_coordinator_from_config_becomes_a_coordinator_on_consent(people):
    person = people.consent(777, "uk", "Europe/London")
    assert people.roles_of(person) == {"participant", "coordinator"}


def test_a_role_invite_works_once(people):
    code = people.create_role_invite("psw", created_by_id=None).code
    first = people.consent(1, "uk", "Europe/London")
    assert people.redeem_role_invite(first.id, code) == "psw"
    assert "psw" in people.roles_of(first)
    second = people.consent(2, "uk", "Europe/London")
    with pytest.raises(InviteError, match="already been used"):
        people.redeem_role_invite(second.id, code)
    assert people.roles_of(second) == {"participant"}


def test_an_expired_or_unknown_role_invite_is_refused(people, db):
    code = people.create_role_invite("coordinator", created_by_id=None).code
    with db.session() as session, session.begin():
        session.execute(update(RoleInvite).values(expires_at=utcnow() - timedelta(minutes=1)))
    person = people.consent(3, "uk", "Europe/London")
    with pytest.raises(InviteError, match="expired"):
        people.redeem_role_invite(person.id, code)
    with pytest.raises(InviteError, match="isn't one I know"):
        people.redeem_role_invite(person.id, "no-such-code")


def test_only_staff_roles_can_be_invited(people):
    with pytest.raises(InviteError):
        people.create_role_invite("participant", created_by_id=None)


def test_joining_a_group_twice_keeps_one_membership(people, db):
    with db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    person = people.consent(4, "uk", "Europe/London")
    people.join_group(person.id, "walk")
    people.join_group(person.id, "walk")
    with pytest.raises(InviteError):
        people.join_group(person.id, "nope")


@pytest.mark.parametrize("raw, name", [("  Sam ", "Sam"), ("", None), ("/start", None), ("x" * 40, None),
                                       ("Jo\x00", "Jo")])
def test_display_names_are_cleaned(raw, name):
    assert clean_display_name(raw) == name


def test_peerbot_invite_without_a_token_prints_the_code_and_says_plainly_there_is_no_link_yet(empty_database_url):
    result = CliRunner().invoke(cli, ["invite", "psw"], env={"DATABASE_URL": empty_database_url, "PEERBOT_CONFIG": "",
                                                             "TELEGRAM_BOT_TOKEN": ""})
    assert result.exit_code == 0, result.output
    assert "/start role_" in result.output and "valid 72 h" in result.output
    assert "no TELEGRAM_BOT_TOKEN is set" in result.output and "<" not in result.output


async def test_peerbot_invite_with_a_token_links_to_the_bots_real_username(empty_database_url):
    sandbox = fresh_sandbox()
    await sandbox.start()
    try:
        env = {"DATABASE_URL": empty_database_url, "PEERBOT_CONFIG": "", "TELEGRAM_BOT_TOKEN": sandbox.token,
               "TELEGRAM_BASE_URL": sandbox.api_base_url}
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["invite", "psw"], env=env)
    finally:
        await sandbox.stop()
    assert result.exit_code == 0, result.output
    username = sandbox.bot_user["username"]
    assert f"https://t.me/{username}?start=role_" in result.output


def test_peerbot_groups_list_shows_each_group_and_how_to_join_it(empty_database_url, db):
    with db.session() as session, session.begin():
        session.add(Group(title="Riverside Walkers", invite_code="walk42"))
    result = CliRunner().invoke(cli, ["groups", "list"], env={"DATABASE_URL": empty_database_url,
                                                               "PEERBOT_CONFIG": "", "TELEGRAM_BOT_TOKEN": ""})
    assert result.exit_code == 0, result.output
    assert "Riverside Walkers" in result.output and "members: 0" in result.output
    assert "/start join_walk42" in result.output and "no TELEGRAM_BOT_TOKEN is set" in result.output


def test_peerbot_invite_when_telegram_cannot_be_asked_says_so_and_still_gives_the_code(empty_database_url):
    env = {"DATABASE_URL": empty_database_url, "PEERBOT_CONFIG": "", "TELEGRAM_BOT_TOKEN": "123:abc",
           "TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}/bot"}  # nothing listens there
    result = CliRunner().invoke(cli, ["invite", "psw"], env=env)
    assert result.exit_code == 0, result.output
    assert "could not ask Telegram for its username" in result.output and "/start role_" in result.output
