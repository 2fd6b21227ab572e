"""Languages: every catalogued message has its Spanish translation (Babel's extractor run
over the code, as the catalogue's msgids are made), and a person whose Telegram is in
Spanish meets the bot's crisis path, its honest "English only" and a route to a person
in Spanish, end to end through the sandbox."""
from __future__ import annotations

import asyncio
import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from bot.i18n import LANGUAGES, catalogue_path, language_from
from bot.storage.models import Escalation
from conftest import PROJECT_ROOT, escalations, titles

KEYWORDS = {"say": (2,), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def said_in_the_code() -> set[str]:
    return {message for _, _, message, _, _ in extract_from_dir(
        str(PROJECT_ROOT / "bot"), method_map=[("**.py", "python")], keywords=KEYWORDS)}


def test_every_message_the_code_says_has_a_translation_and_the_catalogue_nothing_stale():
    said = said_in_the_code()
    assert len(said) >= 20
    for language in LANGUAGES.keys() - {"en"}:
        with catalogue_path(language).open("rb") as handle:
            entries = {str(m.id): str(m.string) for m in read_po(handle) if m.id}
        assert sorted(said - {m for m, text in entries.items() if text.strip()}) == [], f"untranslated ({language})"
        assert sorted(entries.keys() - said) == [], f"stale msgids in the {language} catalogue"
        wrong = [m for m in said if set(PLACEHOLDER.findall(m)) != set(PLACEHOLDER.findall(entries[m]))]
        assert wrong == [], f"placeholders differ ({language})"


def test_telegram_language_codes_map_to_the_bots_languages():
    assert [language_from(code) for code in ("es", "es-419", "ES", "en-GB", "fr", None, "")] == \
        ["es", "es", "es", "en", "en", "en", "en"]


async def spanish_member(world, name: str = "Lucía") -> dict:
    user = world.sandbox.add_user(name, language_code="es")
    first = await world.say(user, "/start")
    assert first["text"].startswith("Te escribiré en tu idioma en lo más importante")
    notice = await world.sandbox.wait_for_bot_message(user["id"], lambda m: "Sí, estoy de acuerdo" in titles(m))
    assert notice["text"].startswith("¡Hola! Soy el bot de") and "No soy un servicio de emergencias" in notice["text"]
    assert "O escribe 1 (Sí, estoy de acuerdo), 2 (No, gracias)." in notice["text"]
    question = await world.say(user, "sí")  # the first word of the button's title
    assert question["text"].startswith("¿Cómo quieres que te llamemos?")
    thanks = await world.say(user, name)
    assert thanks["text"].startswith(f"Gracias, {name}. Por ahora solo puedo conversar en inglés")
    assert titles(thanks) == ["Hablar con una persona"], "no English check-in menu, no English questionnaire"
    world.context.people.set_region(world.context.people.find(user["id"]).id, "us")
    return user


async def test_someone_writing_in_spanish_is_told_honestly_and_can_reach_a_person_by_typing(world):
    lucia = await spanish_member(world)
    assert world.context.people.find(lucia["id"]).language == "es"
    notice = await world.say(lucia, "hola, ¿qué tal el grupo del jueves?")
    assert notice["text"].startswith("Lo siento: por ahora solo puedo conversar en inglés")
    assert titles(notice) == ["Hablar con una persona"] and "O escribe 1 (Hablar con una persona)." in notice["text"]
    asked = await world.say(lucia, "1")
    assert asked["text"].startswith("He pedido a una persona del equipo de apoyo")
    [case] = escalations(world)
    assert (case.priority, case.kind) == ("normal", "request")
    assert any("writes in Español" in reason for reason in case.reasons)


async def test_a_crisis_in_spanish_gets_spanish_words_spanish_contacts_and_an_urgent_page(world):
    lucia = await spanish_member(world)
    after = world.last_id(lucia["id"])
    world.sandbox.send(lucia["id"], lucia["id"], "ya no puedo más, quiero morirme")
    words = await world.sandbox.wait_for_bot_message(lucia["id"], lambda m: m["text"].startswith("Gracias por contármelo"),
                                                     after_message_id=after)
    assert "Soy un bot" in words["text"]
    contacts = await world.sandbox.wait_for_bot_message(
        lucia["id"], lambda m: "Ayuda a la que puedes acudir ahora (Estados Unidos)" in m["text"], after_message_id=after)
    assert "Llama al 988 y pulsa 2, o envía AYUDA por SMS al 988" in contacts["text"]
    await world.sandbox.wait_for_bot_message(lucia["id"], lambda m: m["text"].startswith("Ahora mismo no hay nadie"),
                                             after_message_id=after)
    with world.db.session() as session:
        case = session.execute(select(Escalation)).scalar_one()
    assert (case.priority, case.kind) == ("urgent", "crisis")


async def test_risk_words_short_of_a_crisis_in_spanish_page_a_person(world):
    lucia = await spanish_member(world)
    answer = await world.say(lucia, "estoy harta de todo")
    assert answer["text"].startswith("Gracias por contármelo. Solo puedo conversar en inglés")
    [case] = escalations(world)
    assert case.priority == "normal" and any("desesperanza" in reason for reason in case.reasons)


async def test_declining_and_forgetting_are_in_spanish_too(world):
    user = world.sandbox.add_user("Lucía", language_code="es")
    await world.say(user, "/start")
    await world.sandbox.wait_for_bot_message(user["id"], lambda m: "Sí, estoy de acuerdo" in titles(m))
    declined = await world.say(user, "no")
    assert declined["text"].startswith("De acuerdo, no he guardado nada sobre ti")
    lucia = await spanish_member(world, "Marta")
    warning = await world.say(lucia, "/forgetme")
    assert warning["text"].startswith("Si sigues, borraré tu nombre") and "O escribe 1 (Sí, bórralo todo)" in warning["text"]
    done = await world.say(lucia, "sí")
    assert done["text"].startswith("Hecho: he borrado todo lo que podría identificarte")
    assert "Ayuda a la que puedes acudir ahora" in done["text"]


async def test_language_can_be_changed_by_typing_and_english_goes_back_to_the_dialogue(world):
    lucia = await spanish_member(world)
    question = await world.say(lucia, "/language")
    assert question["text"].startswith("¿En qué idioma te escribo?") and titles(question) == ["English", "Español"]
    done = await world.say(lucia, "/language english")
    assert done["text"] == "Okay: I'll write to you in English."
    assert world.context.people.find(lucia["id"]).language == "en"
    reply = await world.say(lucia, "hello")
    assert "only chat in English" not in reply["text"]
    again = await world.say(lucia, "/language español")
    assert again["text"].startswith("Te escribiré en tu idioma")


async def test_a_spanish_speaker_makes_a_safety_plan_in_spanish_by_typing_and_is_offered_it_in_a_crisis(world):
    lucia = await spanish_member(world)
    question = await world.say(lucia, "/safetyplan")
    assert question["text"].startswith("Un plan de seguridad es tu propia lista")
    assert "(1/7) Mis señales de alerta" in question["text"] and "O escribe 1 (Saltar), o cancelar." in question["text"]
    assert titles(question) == ["Saltar", "Cancelar"]
    for typed, expected in (("No duermo bien", "(2/7)"), ("saltar", "(3/7)"), ("La biblioteca", "(4/7)"),
                            ("Mi hermana Ana", "(5/7)"), ("1", "(6/7)"), ("1", "(7/7)")):
        after = world.last_id(lucia["id"])
        world.sandbox.send(lucia["id"], lucia["id"], typed)
        question = await world.sandbox.wait_for_bot_message(lucia["id"], lambda m: expected in m["text"],
                                                            after_message_id=after)
    assert "¿quieres que pueda leer este plan?" in question["text"]
    summary = await world.say(lucia, "sí")
    assert summary["text"].startswith("Este es tu plan:") and "Mi hermana Ana" in summary["text"]
    saved = await world.say(lucia, "guardar mi plan")
    assert saved["text"].startswith("Guardado. La persona del equipo de apoyo que se ocupe de tu caso lo verá.")
    after = world.last_id(lucia["id"])
    world.sandbox.send(lucia["id"], lucia["id"], "quiero morirme")
    offer = await world.sandbox.wait_for_bot_message(lucia["id"], lambda m: "Hiciste un plan de seguridad" in m["text"],
                                                     after_message_id=after)
    assert titles(offer) == ["Ver mi plan"]


async def test_region_breaks_and_what_moderation_tells_a_member_are_in_their_language(world):
    lucia = await spanish_member(world)
    question = await world.say(lucia, "/region")
    assert question["text"].startswith("¿Dónde estás?") and "España" in titles(question)
    contacts = await world.say(lucia, "/region españa")
    assert "Ayuda a la que puedes acudir ahora (España)" in contacts["text"] and "Llama al 024" in contacts["text"]
    taken = await world.say(lucia, "/break 3")
    assert taken["text"].startswith("De acuerdo. Tómate el tiempo que necesites")
    assert re.search(r"hasta el (lun|mar|mié|jue|vie|sáb|dom)", taken["text"]), "the date in Spanish"
    jo = world.person("Jo", roles=("psw",))
    await world.say(jo, "/help")
    chat = await world.group("Caminantes", "walk", [jo, lucia])
    post = world.sandbox.send(chat["id"], lucia["id"], "un mensaje fuera de las normas")
    world.sandbox.send(chat["id"], jo["id"], "/hide 2", reply_to_message_id=post["message_id"])
    told = await world.sandbox.wait_for_bot_message(lucia["id"], lambda m: "ha retirado un mensaje tuyo" in m["text"])
    assert "2. Be kind." in told["text"] and "escribe «persona»" in told["text"]


async def test_sessions_reminders_and_replies_are_in_spanish(world):
    from bot.storage.models import Group
    from conftest import session_soon

    lucia = await spanish_member(world)
    with world.db.session() as session, session.begin():
        session.add(Group(title="Caminantes", invite_code="cam"))
    world.context.people.join_group(world.context.people.find(lucia["id"]).id, "cam")
    walk = session_soon(world.db, "cam", "cam", 55, name="Paseo", location="La puerta del parque",
                        reminder_offsets_minutes=[60])
    reminder = await world.sandbox.wait_for_bot_message(lucia["id"], lambda m: m["text"].startswith("Recordatorio"))
    assert "Paseo (Caminantes)" in reminder["text"] and "¿Vienes?" in reminder["text"]
    assert titles(reminder) == ["Voy", "No puedo ir", "Quizá"]
    assert f"(O escribe /rsvp {walk.id} voy, quizá o no.)" in reminder["text"]
    noted = await world.say(lucia, f"/rsvp {walk.id} voy")
    assert noted["text"].startswith("Gracias, apuntado: vas.") and "La puerta del parque" in noted["text"]


async def test_the_command_menu_is_published_in_spanish_for_spanish_telegram_apps(world):
    menu = {c["command"]: c["description"] for c in world.sandbox.commands["default/es"]}
    assert menu["safetyplan"] == "tu propio plan de seguridad: hacerlo, leerlo, cambiarlo"
    assert menu.keys() == {c["command"] for c in world.sandbox.commands["default"]}


# English words that never appear in the bot's Spanish ("no" is Spanish too, so it is not here).
ENGLISH_WORDS = {"the", "you", "your", "please", "with", "and", "is", "are", "i'm", "can't", "don't", "isn't",
                 "what", "for", "type", "press"}
# Their content is English (the coping library, the measure, the group's own rules): said in the README.
ENGLISH_CONTENT = {"suggest", "wellbeing", "rules"}


async def test_a_spanish_speaker_meets_no_english_in_any_participant_command(world):
    """Every participant command, sent by someone whose language is Spanish: no English in
    what comes back (names, commands and the group's own rules aside)."""
    from bot.services.roles import PARTICIPANT
    from bot.telegram.access import menu_for

    lucia = await spanish_member(world)
    commands = [c.name for c in menu_for(frozenset({PARTICIPANT})) if c.name not in ENGLISH_CONTENT]
    assert {"help", "next", "rsvp", "round", "safetyplan", "forgetme", "language", "break"} <= set(commands)
    english = {}
    for command in commands:
        after = world.last_id(lucia["id"])
        world.sandbox.send(lucia["id"], lucia["id"], f"/{command}")
        await world.sandbox.wait_for_bot_message(lucia["id"], after_message_id=after)
        await asyncio.sleep(0.3)  # a command may answer with more than one message
        for message in world.sandbox.bot_messages(lucia["id"], after_message_id=after):
            text = " ".join([message.get("text") or message.get("caption") or "", *titles(message)])
            found = set(re.findall(r"[a-z']+", text.lower())) & ENGLISH_WORDS
            if found:
                english[command] = (sorted(found), text[:160])
        if command == "safetyplan":
            await world.say(lucia, "cancelar")
        if command == "forgetme":
            await world.say(lucia, "no")
    assert english == {}
