"""Understanding benchmark: the per-question answer tables run through the answer reader.

    python -m benchmarks.understanding [--model latest|PATH] [--json results/understanding.json]

Reads tests/assistant/understanding/answers/<lang>.yml (what people type at each question, with
what must be stored; schema in the tables' README) and tests/assistant/understanding/names.yml
(first name + surname pairs typed at the name questions), and reads every message the way the
Rasa server does (`assistant.understanding.read_answer`, with the language named in the message
as the server finds it). By default the reader alone (no NLU model: what the phrase tables and
rules decide); with `--model` each message is first parsed by a trained Rasa model, as in
production. Per language it prints:

- understood first time: the share of answers taken as the stored value they mean (a choice
  read as that choice; "none"/"I don't have one" as none; a free-text answer taken as the answer,
  never as an interruption);
- misread: answers taken as a *different* value, or as an interruption (999, stop, start again,
  a change of language) when they were an answer: worse than not understood;
- emergency recall: the share of (emergency, question) pairs that get the 999 advice, each
  emergency typed with nothing asked and at every question of the forms; and false alarms among
  the answers that must not get it;
- stops: explicit stops read as stop (at every question), ordinary answers read as stop;
- names misread: names typed at the name questions that are not taken as the name.

Writes the figures to results/understanding.json. Nothing is printed of the texts themselves
except, with --show, the misread ones (test material, no personal data).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TABLES = ROOT / "tests" / "assistant" / "understanding" / "answers"
NAMES = ROOT / "tests" / "assistant" / "understanding" / "names.yml"
NAME_QUESTIONS = ("applicant_name", "victim_name")
FREE_KINDS = ("name", "address", "text", "contact")
INTERRUPTIONS = ("emergency", "stop", "restart", "change_language")
TARGET_FIRST = {"en": 0.95, "cy": 0.95}
TARGET_FIRST_OTHER = 0.90


@dataclass
class Score:
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(what)

    @property
    def share(self) -> float | None:
        return self.right / self.total if self.total else None


@dataclass
class LanguageResult:
    language: str
    answers: int
    understood_first: float | None
    misread: int
    emergencies: int
    emergency_recall: float | None
    false_alarms: int
    stops_recall: float | None
    not_stops_misread: int
    questions_answered: float | None
    names: int
    names_misread: int
    target_first: float
    meets_target: bool
    misread_examples: list[str] = field(default_factory=list)


# --- reading a message as the server does -----------------------------------------------------


Guess = tuple[str, float, tuple[tuple[str, float], ...]]  # a model's intent, confidence, ranking
# Without a model, what a model could wrongly say, as the unit tests give it to the reader: a name
# or a free-text answer must stand whatever the model says; danger must be found in the words.
MISREADS: tuple[Guess, ...] = tuple(
    (intent, 0.99, ((intent, 0.99), ("inform", 0.01)))
    for intent in ("emergency", "stop", "restart", "change_language", "request_human"))
AN_ANSWER: Guess = ("inform", 0.9, (("inform", 0.9),))
A_QUESTION: Guess = ("ask_process", 0.8, (("ask_process", 0.8), ("restart", 0.1)))


class Reader:
    """`read(text, asked, language)` -> Readings: with a trained model, the reading after its
    parse (one); without, the reading with no model's word, or after each of `guesses`."""

    def __init__(self, model: Path | None = None):
        from assistant.understanding.kinds import QUESTIONS
        from assistant.understanding.reader import read_answer

        self._read_answer = read_answer
        self.questions = QUESTIONS
        self._parse: Callable[[str], dict[str, Any]] | None = None
        self._parsed: dict[str, dict[str, Any]] = {}
        if model is not None:
            self._parse = _model_parser(model)

    @property
    def with_model(self) -> bool:
        return self._parse is not None

    def read(self, text: str, asked: str | None, language: str,
             guesses: tuple[Guess, ...] = ()) -> list:
        if self._parse is not None:
            if text not in self._parsed:
                self._parsed[text] = self._parse(text)
            parsed = self._parsed[text]
            intent = (parsed.get("intent") or {}).get("name")
            confidence = float((parsed.get("intent") or {}).get("confidence") or 0.0)
            ranking = [(r.get("name"), r.get("confidence") or 0.0)
                       for r in parsed.get("intent_ranking") or []]
            return [self._read_answer(text, asked, language, intent, confidence, ranking)]
        if not guesses:
            return [self._read_answer(text, asked, language)]
        return [self._read_answer(text, asked, language, intent, confidence, list(ranking))
                for intent, confidence, ranking in guesses]


def _model_parser(model: Path) -> Callable[[str], dict[str, Any]]:
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()
    return lambda text: loop.run_until_complete(agent.parse_message(text))


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("no trained model in models/: run `make train` or leave out --model")
    return models[-1]


# --- the tables -------------------------------------------------------------------------------


def table_languages(tables: Path = TABLES) -> list[str]:
    return sorted(path.stem for path in tables.glob("*.yml")) if tables.exists() else []


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def names_for(language: str) -> list[str]:
    """The names of names.yml typed in `language` conversations: a list (typed in every
    language's conversation), `names:` a list, or a mapping of language -> list."""
    if not NAMES.exists():
        return []
    data = load(NAMES)
    if isinstance(data, dict) and "names" in data:
        data = data["names"]
    if isinstance(data, list):
        return [_name_text(item) for item in data]
    if isinstance(data, dict):
        if language in data:
            return [_name_text(item) for item in data[language] or []]
        return []
    return []


def _name_text(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("name") or item.get("text") or " ".join(
            str(v) for v in item.values()))
    return str(item)


# --- scoring ----------------------------------------------------------------------------------


def _interrupted(reading) -> bool:
    return reading.emergency or reading.intent in INTERRUPTIONS


def _said(readings) -> str:
    return ", ".join(sorted({f"{r.intent}/{r.choice}" for r in readings}))


def score_language(reader: Reader, language: str, show: bool,
                   tables: Path = TABLES) -> LanguageResult:
    data = load(tables / f"{language}.yml")
    first, misread = Score(), Score()
    _score_choices(reader, language, data.get("answers") or {}, first, misread)
    _score_free_text(reader, language, data.get("free_text") or {}, first, misread)

    questions = [None, *reader.questions]

    def free_text_alarm(asked: str | None) -> tuple[Guess, ...]:
        # The model's alarm is given where an answer is free text (there the words decide);
        # at a choice or yes/no question a very sure model on a sentence may still count.
        free = asked is not None and reader.questions[asked].kind in FREE_KINDS
        return MISREADS[:1] if free else ()

    def at(texts, label: str, where, guesses, passes) -> Score:
        return _score_at(reader, language, texts, label, where, guesses, passes)

    recall = at(data.get("emergencies"), "emergency", questions, lambda asked: (AN_ANSWER,),
                lambda readings: all(_alarmed(r) for r in readings))
    alarms = at(data.get("not_emergencies"), "not an emergency", questions, free_text_alarm,
                lambda readings: not any(_alarmed(r) for r in readings))
    stops = at(data.get("stops"), "stop", questions, lambda asked: (AN_ANSWER,),
               lambda readings: all(_stopped(r) for r in readings))
    not_stops = at(data.get("not_stops"), "not a stop", questions, lambda asked: MISREADS[1:3],
                   lambda readings: not any(_stopped(r) for r in readings))
    answered = at(data.get("questions"), "question back",
                  ("victim_name", "more_incidents", "incident_date", None),
                  lambda asked: (A_QUESTION,),
                  lambda readings: all(r.intent not in ("inform", *INTERRUPTIONS)
                                       for r in readings))
    names = at(names_for(language), "name", NAME_QUESTIONS, lambda asked: MISREADS,
               lambda readings: all(r.intent == "inform" and not _interrupted(r)
                                    and r.choice is None for r in readings))

    target = TARGET_FIRST.get(language, TARGET_FIRST_OTHER)
    examples = [*first.misses, *recall.misses, *alarms.misses, *stops.misses,
                *not_stops.misses, *answered.misses, *names.misses] if show else []
    return LanguageResult(
        language=language,
        answers=first.total,
        understood_first=first.share,
        misread=misread.total - misread.right,
        emergencies=recall.total,
        emergency_recall=recall.share,
        false_alarms=alarms.total - alarms.right,
        stops_recall=stops.share,
        not_stops_misread=not_stops.total - not_stops.right,
        questions_answered=answered.share,
        names=names.total,
        names_misread=names.total - names.right,
        target_first=target,
        meets_target=(first.share is not None and first.share >= target
                      and (recall.share is None or recall.share == 1.0)
                      and names.right == names.total),
        misread_examples=examples,
    )


def _score_choices(reader: Reader, language: str, answers: dict, first: Score,
                   misread: Score) -> None:
    """The answers that mean a stored value: taken as it, and never as another or as an
    interruption."""
    for asked, values in answers.items():
        for value, texts in (values or {}).items():
            # YAML 1.1 reads the keys yes/no as booleans.
            wanted = "yes" if value is True else "no" if value is False else str(value)
            for text in texts or []:
                readings = reader.read(str(text), asked, language)
                ok = all(r.choice == wanted and not _interrupted(r) for r in readings)
                wrong = any(_interrupted(r) or r.choice not in (None, wanted) for r in readings)
                what = f"{asked}={wanted}: {text!r} -> {_said(readings)}"
                first.add(ok, what)
                misread.add(not wrong, what)


def _score_free_text(reader: Reader, language: str, free_text: dict, first: Score,
                     misread: Score) -> None:
    """Free-text answers: taken as typed, whatever a model says, never an interruption and
    never "there is none"."""
    for asked, texts in free_text.items():
        question = reader.questions.get(asked)
        optional = question.optional if question is not None else None
        for text in texts or []:
            readings = reader.read(str(text), asked, language, MISREADS)
            wrong = any(_interrupted(r) or (optional and r.choice == optional) for r in readings)
            ok = not wrong and all(r.intent == "inform" for r in readings)
            what = f"{asked} (free text): {text!r} -> {_said(readings)}"
            first.add(ok, what)
            misread.add(not wrong, what)


def _score_at(reader: Reader, language: str, texts, label: str, questions,
              guesses: Callable[[str | None], tuple[Guess, ...]],
              passes: Callable[[list], bool]) -> Score:
    """Each text typed at each of `questions` (None: nothing asked), read after `guesses(asked)`;
    counted right when `passes` holds for its readings."""
    score = Score()
    for text in texts or []:
        for asked in questions:
            readings = reader.read(str(text), asked, language, guesses(asked))
            score.add(passes(readings), f"{label} at {asked}: {text!r} -> {_said(readings)}")
    return score


def _alarmed(reading) -> bool:
    return reading.emergency or reading.intent == "emergency"


def _stopped(reading) -> bool:
    return reading.intent in ("stop", "restart")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def report(results: list[LanguageResult]) -> str:
    head = (f"{'lang':5} {'answers':>7} {'first':>7} {'misread':>7} {'999 recall':>10} "
            f"{'false 999':>9} {'stops':>7} {'not-stop':>8} {'q back':>7} {'names':>9} "
            f"{'target':>7}")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.language:5} {r.answers:7} {_pct(r.understood_first):>7} {r.misread:7} "
            f"{_pct(r.emergency_recall):>10} {r.false_alarms:9} {_pct(r.stops_recall):>7} "
            f"{r.not_stops_misread:8} {_pct(r.questions_answered):>7} "
            f"{r.names_misread:>4}/{r.names:<4} "
            f"{'met' if r.meets_target else 'NOT met':>7}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="'latest' (newest in models/) or a model file: parse "
                        "each message with it first, as the Rasa server does")
    parser.add_argument("--language", action="append", help="only these (repeatable)")
    parser.add_argument("--tables", type=Path, default=TABLES, help="the answer tables' folder")
    parser.add_argument("--json", type=Path, default=ROOT / "results" / "understanding.json")
    parser.add_argument("--show", action="store_true", help="print what was misread")
    args = parser.parse_args(argv)

    languages = args.language or table_languages(args.tables)
    if not languages:
        print(f"no answer tables in {args.tables}", file=sys.stderr)
        return 1
    model = None
    if args.model:
        model = latest_model() if args.model == "latest" else Path(args.model)
    started = time.perf_counter()
    reader = Reader(model)
    results = [score_language(reader, language, args.show, args.tables) for language in languages]
    seconds = time.perf_counter() - started

    alone = " alone (no NLU model; a model's misreadings given where the tests give them)"
    print(f"answer reader{' with model ' + model.name if model else alone}; "
          f"{len(languages)} languages in {seconds:.1f} s")
    print(report(results))
    if args.show:
        for r in results:
            for example in r.misread_examples:
                print(f"  {r.language}: {example}")
    totals: dict[str, Any] = defaultdict(int)
    for r in results:
        totals["answers"] += r.answers
        totals["misread"] += r.misread
        totals["names_misread"] += r.names_misread
        totals["false_alarms"] += r.false_alarms
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "model": model.name if model else None,
        "seconds": round(seconds, 1),
        "languages": [{k: v for k, v in asdict(r).items() if k != "misread_examples"}
                      for r in results],
        "totals": dict(totals),
        "all_met": all(r.meets_target for r in results),
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
