"""People for a real `peerbot run` process (``bot.deploy.process``) pointed at the sandbox
to serve: how the fault-injection tests and the benchmark drive the bot from outside."""
from __future__ import annotations

from bot.sandbox.server import Sandbox
from bot.storage.db import Database
from bot.storage.models import Person, PersonRole
from bot.storage.types import utcnow


def seed(db: Database, sandbox: Sandbox, people: int, prefix: str = "Person") -> tuple[dict, list[dict]]:
    """A PSW on duty and ``people`` participants who have joined, known to the bot and the
    sandbox; each sends /help so they have a private chat with the bot."""
    psw = sandbox.add_user("Jo")
    with db.session() as session, session.begin():
        jo = Person(telegram_user_id=psw["id"], display_name="Jo", consented_at=utcnow(), region="uk", on_duty=True)
        session.add(jo)
        session.flush()
        session.add(PersonRole(person_id=jo.id, role="psw", source="invite"))
    users = participants(db, sandbox, people, prefix, hello=False)
    for user in [psw, *users]:
        sandbox.send(user["id"], user["id"], "/help")
    return psw, users


def participants(db: Database, sandbox: Sandbox, people: int, prefix: str = "Person", hello: bool = True) -> list[dict]:
    """``people`` more participants who have joined; with ``hello`` each sends /help first."""
    users = [sandbox.add_user(f"{prefix}{i}") for i in range(people)]
    with db.session() as session, session.begin():
        for user in users:
            session.add(Person(telegram_user_id=user["id"], display_name=user["first_name"], consented_at=utcnow(),
                               region="uk"))
    if hello:
        for user in users:
            sandbox.send(user["id"], user["id"], "/help")
    return users
