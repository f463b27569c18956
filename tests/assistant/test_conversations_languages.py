"""A whole application through Rasa's REST channel in each of the eight further languages, against
the running system (`stack` fixture): real Rasa with the trained model, the action server and the
handoff service.

Each conversation is driven as a person would: the page's language in the metadata, a first
request typed in the language, dates typed in words where the date parser reads them (otherwise
the date picker's answer), agencies typed in the language, buttons chosen among those the
assistant offers (found by their title in that language), answers typed in the language. What the
assistant should say is rendered from the catalogs; what arrives at the handoff service is read
back from its database: the language, the consent wording in that language, and the applicant's
own words exactly as typed (nothing is translated).

Also per language: the catalog's button titles, typed, are understood as the intent their button
sends (the trained model, over Rasa's HTTP API), and a relative weekday ("last Tuesday"), which
the date parser can only guess, makes the assistant offer the date picker instead of guessing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from assistant.actions import service
from assistant.actions.choices import payload, title_id
from assistant.actions.messages import direction, render
from assistant.dates import understand_date
from assistant.locales import read_catalog
from assistant.understanding.buttons import button_intent
from tests.assistant.conversations import FURTHER_LANGUAGES
from tests.assistant.conversations import Chat as RestChat

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Script:
    """What a person typing in one language says, in their words."""

    start: str  # asks to apply
    incident_date: str  # the first incident's date, in words
    last_weekday: str  # "last Tuesday": a relative weekday
    agencies: str  # "the police and the council"
    yes: str  # a typed yes
    name: str
    safe_times: str
    accessibility: str
    impact: str


SCRIPTS = {
    "pl": Script("chcę złożyć wniosek o przegląd sprawy", "12 stycznia 2026", "w zeszły wtorek",
                 "zgłosiłam policji i radzie", "tak", "Anna Nowak", "tylko po 18",
                 "duży druk proszę",
                 "Sąsiedzi krzyczą co noc i od stycznia nie mogę spać."),
    "ro": Script("vreau să fac o cerere pentru revizuirea cazului", "12 ianuarie 2026",
                 "marțea trecută", "la poliție și la consiliu", "da", "Ana Popescu",
                 "doar după ora 18", "scris mare vă rog",
                 "Vecinii țipă în fiecare noapte și nu mai pot dormi din ianuarie."),
    "pa": Script("ਮੈਂ ਅਰਜ਼ੀ ਦੇਣਾ ਚਾਹੁੰਦਾ ਹਾਂ", "12 ਜਨਵਰੀ 2026", "ਪਿਛਲੇ ਮੰਗਲਵਾਰ",
                 "ਪੁਲਿਸ ਅਤੇ ਕੌਂਸਲ ਨੂੰ", "ਹਾਂ ਜੀ", "ਹਰਪ੍ਰੀਤ ਕੌਰ", "ਸ਼ਾਮ 6 ਵਜੇ ਤੋਂ ਬਾਅਦ",
                 "ਵੱਡੇ ਅੱਖਰ", "ਗੁਆਂਢੀ ਹਰ ਰਾਤ ਰੌਲਾ ਪਾਉਂਦੇ ਹਨ ਅਤੇ ਮੈਂ ਜਨਵਰੀ ਤੋਂ ਸੌਂ ਨਹੀਂ ਸਕੀ।"),
    "ur": Script("میں درخواست دینا چاہتی ہوں", "12 جنوری 2026", "پچھلے منگل",
                 "پولیس اور کونسل کو", "جی ہاں", "عائشہ خان", "شام 6 بجے کے بعد", "بڑا پرنٹ",
                 "پڑوسی ہر رات شور کرتے ہیں اور میں جنوری سے سو نہیں سکی۔"),
    "pt": Script("quero fazer o pedido de revisão de caso", "12 de janeiro de 2026",
                 "na terça passada", "à polícia e à câmara", "sim", "Ana Silva",
                 "só depois das 18h", "letra grande por favor",
                 "Os vizinhos gritam todas as noites e não durmo desde janeiro."),
    "es": Script("quiero presentar una solicitud de revisión de caso", "12 de enero de 2026",
                 "el martes pasado", "a la policía y al ayuntamiento", "sí", "Lucía García",
                 "solo después de las 6", "letra grande por favor",
                 "Los vecinos gritan todas las noches y no duermo desde enero."),
    "ar": Script("أريد تقديم طلب مراجعة الحالة", "12 يناير 2026", "الثلاثاء الماضي",
                 "بلغت الشرطة والمجلس", "نعم", "فاطمة أحمد", "بعد الساعة 6 مساءً",
                 "خط كبير من فضلك",
                 "الجيران يصرخون كل ليلة ولا أستطيع النوم منذ يناير."),
    "bn": Script("আমি আবেদন করতে চাই", "12 জানুয়ারি 2026", "গত মঙ্গলবার",
                 "পুলিশ আর কাউন্সিল", "হ্যাঁ", "রুমানা বেগম", "সন্ধ্যা 6টার পরে", "বড় অক্ষরে",
                 "প্রতিবেশীরা প্রতি রাতে চিৎকার করে, জানুয়ারি থেকে আমি ঘুমাতে পারি না।"),
}


class Chat(RestChat):
    """One conversation in one language (the REST tests' chat), choosing buttons by their title
    among those offered."""

    def __init__(self, stack, language: str):
        super().__init__(stack, language)
        self.sender = f"lang-{language}-{uuid.uuid4().hex[:10]}"

    @property
    def offered(self) -> dict[str, str]:
        return {b["title"]: b["payload"] for r in self.replies for b in r.get("buttons", [])}

    def choose(self, value: str) -> str:
        """Click the offered button of a choice, found by its title in this language."""
        return self.click(title_id(value), payload(value))

    def click(self, msg_id: str, expected_payload: str | None = None) -> str:
        title = render(self.language, msg_id)
        offered = self.offered
        assert title in offered, f"no button {title!r} among {list(offered)}:\n{self.text}"
        if expected_payload is not None:
            assert offered[title] == expected_payload
        return self.send(offered[title])

    def type_title(self, value: str) -> str:
        """Type a choice's button title instead of clicking it."""
        return self.send(render(self.language, title_id(value)))


def answer_date(chat: Chat, typed: str, picked: date, today: date) -> date:
    """Type a date in words; where the parser cannot be sure, the assistant must offer the date
    picker, and the picker's answer is sent. Returns the date the assistant noted."""
    understood = understand_date(typed, chat.language, today)
    chat.send(typed)
    if understood.value is not None and understood.certain and understood.value <= today:
        chat.expects("date-noted", day=understood.value)
        return understood.value
    chat.expects("date-not-understood")
    assert {"asks": "incident_date", "input": "date", "max": today.isoformat()} in chat.custom
    chat.send(picked.isoformat())
    chat.expects("date-noted", day=picked)
    return picked


def incident(chat: Chat, occurred: str, reported: str, agency: str, more: bool) -> None:
    """A later incident: dates from the picker, the agency and the rest by buttons."""
    chat.send(occurred)
    chat.expects("ask-report-date")
    chat.send(reported)
    chat.expects("ask-report-agencies")
    chat.choose(agency)
    chat.expects("ask-incident-reference")
    chat.choose("no_reference")
    chat.choose("no")
    chat.expects("ask-more-incidents")
    if more:
        chat.send(SCRIPTS[chat.language].yes)
    else:
        chat.choose("no")


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_a_whole_application_in_the_language(stack, language):
    script = SCRIPTS[language]
    chat = Chat(stack, language)
    chat.send("/greet", {"language": language})
    chat.expects("greet", service=service.deployment().service_name)
    assert render(language, "button-check") in chat.offered

    chat.send(script.start)
    chat.expects("ask-incident-date", number=1)
    first = answer_date(chat, script.incident_date, date(2026, 1, 12), stack.today)
    chat.expects("ask-report-date")
    chat.send("2026-01-13")
    chat.expects("ask-report-agencies")
    chat.send(script.agencies)
    chat.expects("ask-incident-reference")
    chat.type_title("no_reference")
    chat.expects("ask-incident-hate")
    chat.choose("no")
    chat.expects("ask-more-incidents")
    chat.send(script.yes)
    chat.expects("ask-incident-date", number=2)
    incident(chat, "2026-02-02", "2026-02-02", "housing", more=True)
    chat.expects("ask-incident-date", number=3)
    incident(chat, "2026-03-02", "2026-03-03", "police", more=False)

    chat.expects("offer-apply")
    assert render(language, "button-apply") in chat.offered
    chat.send(script.yes)
    chat.expects("ask-applicant-role")
    chat.choose("victim")
    chat.expects("ask-victim-kind")
    chat.type_title("individual")
    chat.expects("ask-victim-name")
    chat.send(script.name)
    chat.expects("ask-victim-address")
    chat.send("4 Mill Lane, Anytown AN1 2BB")
    chat.expects("ask-contact-preferred")
    chat.choose("email")
    chat.expects("ask-contact-email")
    chat.send("applicant@example.org")
    chat.expects("ask-safe-times")
    chat.send(script.safe_times)
    chat.expects("ask-interpreter")
    chat.type_title("none")
    chat.expects("ask-accessibility")
    chat.send(script.accessibility)
    chat.expects("ask-impact")
    chat.send(script.impact)
    chat.expects("ask-vulnerabilities")
    chat.choose("none")
    chat.expects("ask-support-wanted")
    chat.send(script.yes)
    agencies = ", ".join(service.area().partner_agencies)
    chat.expects("ask-consent-share", agencies=agencies)
    chat.choose("yes")
    chat.expects("summary-intro")
    assert script.name in chat.text and script.impact in chat.text
    chat.choose("send")
    reference = chat.reference()
    chat.expects("submitted", reference=reference, spelt=" ".join(reference))

    document = chat.stored(reference)
    assert document["language"] == language
    assert document["consent"]["language"] == language
    assert document["consent"]["given"] is True
    assert document["consent"]["wording"] == render(language, "ask-consent-share",
                                                    agencies=agencies)
    victim = document["victim"]
    assert victim["name"] == script.name
    assert victim["postcode"] == "AN1 2BB"
    assert victim["contact"]["email"] == "applicant@example.org"
    assert victim["contact"]["preferred"] == "email"
    assert victim["contact"]["safe_times"] == script.safe_times
    assert victim["interpreter_language"] is None
    assert victim["accessibility_needs"] == script.accessibility
    assert victim["support_wanted"] is True
    assert document["impact"] == script.impact  # the applicant's own words, not translated
    assert [(i["occurred_on"], i["reported_on"], i["reported_to"])
            for i in document["incidents"]] == [
        (first.isoformat(), "2026-01-13", ["police", "council"]),
        ("2026-02-02", "2026-02-02", ["housing"]),
        ("2026-03-02", "2026-03-03", ["police"])]
    assert document["eligibility"]["outcome"] == "threshold_met"
    chat.expects("next-decision", day=date.fromisoformat(
        document["deadlines"]["threshold_decision_due"]))


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_last_weekday_typed_is_understood_and_said_back(stack, language):
    script = SCRIPTS[language]
    understood = understand_date(script.last_weekday, language, stack.today)
    assert understood.certain and understood.value < stack.today
    chat = Chat(stack, language)
    chat.send("/greet", {"language": language})
    chat.send("/start_application")
    chat.expects("ask-incident-date", number=1)
    chat.send(script.last_weekday)
    chat.expects("date-noted", day=understood.value)
    chat.expects("ask-report-date")


# "kal" is yesterday or tomorrow; asked when something happened, it is yesterday, said back.
@pytest.mark.parametrize(("language", "text"), [("ur", "کل"), ("pa", "ਕੱਲ੍ਹ"), ("bn", "কাল")])
def test_a_day_that_could_be_either_is_the_past_and_said_back(stack, language, text):
    yesterday = stack.today - timedelta(days=1)
    assert understand_date(text, language, stack.today).value == yesterday
    chat = Chat(stack, language)
    chat.send("/greet", {"language": language})
    chat.send("/start_application")
    chat.expects("ask-incident-date", number=1)
    chat.send(text)
    chat.expects("date-noted", day=yesterday)
    chat.expects("ask-report-date")


@pytest.mark.parametrize("language", ["ar", "ur", "pl"])
def test_switching_to_the_language_half_way_keeps_the_answers_and_sets_direction(stack,
                                                                                language):
    chat = Chat(stack, "en")
    chat.send("/greet", {"language": "en"})
    chat.send("/start_application")
    chat.send("2026-03-02")
    chat.send(f'/change_language{{"language":"{language}"}}')
    chat.language = language
    chat.expects("language-changed")
    assert {"language": language, "dir": direction(language)} in chat.custom
    chat.expects("ask-report-date")  # the incident date typed before the switch is kept


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_typed_button_titles_are_understood(stack, language):
    wrong = []
    for entry in read_catalog(language):
        intent = button_intent(entry.id) if entry.id else None
        if intent is None:
            continue
        got = (stack.parse(entry.string).get("intent") or {}).get("name")
        if got != intent:
            wrong.append((entry.id, entry.string, intent, got))
    assert wrong == []
