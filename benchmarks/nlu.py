"""NLU benchmark: one model for every language, evaluated per language on held-out examples.

    python -m benchmarks.nlu [--runs 3] [--seed 2026] [--test-fraction 0.2] [--json FILE]

Each language file in assistant/data/nlu (en.yml, cy.yml, pl.yml...) is split per intent with a
fixed seed: a fifth of each intent's examples (at least one) is held out. One NLU-only model is
trained on the rest of every language together, plus shared.yml (synonyms, lookups), exactly as
production trains one model for all. Each language's held-out part
is then parsed by that model and scored on its own:

- intent accuracy and macro intent F1 (over the intents of that language's held-out part), as
  production sees them: a message below the FallbackClassifier's threshold counts as wrong;
- entity F1 (micro, exact entity, value and span) for the entities the model learns (`agency`,
  `language`); the rule-based contact details have their own unit tests.

One training moves every figure by up to 0.03 (DIET's random start and batches), so the model is
trained `--runs` times on the same split, DIET's random seed one apart, and the figures are the
means (each training's macro F1 is kept beside them). A held-out text is taken out of training in
every form the model reads alike (`_key`: "zgadza się" and "zgadza sie", Bengali and Banglish).

The button titles the assistant offers for yes and no ("Yes", "Ie", "Nac oes"...) are always kept
in training: they are fixed strings the interface sends and must always work, so they are checked
by tests, not sampled into the held-out part.

The report carries the fingerprint of everything that decides it (`inputs_fingerprint`: the
config without its policies, every NLU file, the catalogs and the source of every project module
the pipeline's own components import, the training's changes (stack/rasa_training.py), this file,
Rasa's version, the seed and the fraction). `make test` reuses `results/nlu.json` when its
fingerprint is the current one and trains again when anything in it changed, so changing the
examples means running this benchmark and committing its result.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "assistant" / "data" / "nlu"
CONFIG = ROOT / "config.yml"
SHARED = "shared"
LEARNED_ENTITIES = ("agency", "language")
BUTTON_TITLES = {
    "affirm": ("Yes", "Ie", "Oes", "Ydw"),
    "deny": ("No", "Na", "Nac oes", "Nac ydw"),
}
MIN_MACRO_F1 = 0.85  # every language is held to it
RESULTS = ROOT / "results" / "nlu.json"


def languages() -> list[str]:
    """The languages with NLU data (a file each in NLU_DIR, besides shared.yml)."""
    return sorted(path.stem for path in NLU_DIR.glob("*.yml") if path.stem != SHARED)


@dataclass
class LanguageResult:
    language: str
    examples: int
    intent_accuracy: float
    macro_intent_f1: float
    entity_f1: float | None
    fallback_rate: float
    classifier_accuracy: float = 0.0  # the classifier's best intent, were there no fallback
    errors: list[dict] = field(default_factory=list)
    macro_intent_f1_runs: list[float] = field(default_factory=list)  # one per training


@dataclass
class Report:
    seed: int
    test_fraction: float
    training_examples: int
    training_seconds: float
    languages: list[LanguageResult]
    model: str | None = None
    fingerprint: str = ""
    runs: int = 1  # trainings on the same split, DIET's random seed one apart; figures averaged

    def to_json(self) -> dict:
        return {name: value for name, value in asdict(self).items() if name != "model"}

    @classmethod
    def from_json(cls, data: dict) -> Report:
        fields = {name: value for name, value in data.items() if name != "languages"}
        return cls(languages=[LanguageResult(**r) for r in data["languages"]], **fields)


_SOURCES = """
import importlib, json, sys
from pathlib import Path
root = Path(sys.argv[1])
for name in sys.argv[2:]:
    importlib.import_module(name)
files = {str(Path(m.__file__).resolve()) for m in list(sys.modules.values())
         if getattr(m, "__file__", None)}
print(json.dumps(sorted(f for f in files
                        if Path(f).is_relative_to(root) and ".venv" not in Path(f).parts)))
"""


def components(config: Path = CONFIG) -> tuple[str, ...]:
    """The modules of the pipeline's own components (a `module.Class` name in the config): their
    code, and the project code they import, decide parses."""
    import yaml

    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    return tuple(dict.fromkeys(step["name"].rpartition(".")[0] for step in pipeline
                               if "." in step["name"]))


@functools.cache
def project_sources(config: Path = CONFIG) -> tuple[Path, ...]:
    """The source files of every project module the pipeline's components import, found in a
    fresh interpreter (so what the caller happened to import does not count)."""
    found = subprocess.run([sys.executable, "-c", _SOURCES, str(ROOT), *components(config)],
                           cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    return tuple(Path(name) for name in json.loads(found.stdout.strip().splitlines()[-1]))


def inputs_fingerprint(seed: int = 2026, test_fraction: float = 0.2,
                       config: Path = CONFIG) -> str:
    """A hash of what decides the report: the same inputs give the same figures."""
    from importlib.metadata import version

    import yaml

    from stack import rasa_training

    # The config's pipeline (and language, recipe), not its policies: they train no NLU.
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings.pop("policies", None)
    files = [Path(__file__).resolve(), *sorted(NLU_DIR.glob("*.yml")),
             *sorted((ROOT / "assistant" / "locales").rglob("*.po")), *project_sources(config),
             *(Path(m.__file__) for m in (rasa_training, *rasa_training.CHANGES))]
    digest = hashlib.sha256(f"rasa {version('rasa')}\nseed {seed}\n{test_fraction}\n".encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for path in dict.fromkeys(files):
        content = path.read_bytes()
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:20]


def cached(seed: int = 2026, test_fraction: float = 0.2, path: Path = RESULTS) -> Report | None:
    """The committed report, when it was made from exactly the current inputs."""
    try:
        report = Report.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if report.fingerprint != inputs_fingerprint(seed, test_fraction):
        return None
    return report


def _load(path: Path):
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def split(seed: int = 2026, test_fraction: float = 0.2):
    """(training TrainingData, {language: [held-out Message]}) for the files in NLU_DIR."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    kept = [_load(NLU_DIR / f"{SHARED}.yml")]
    buttons = {_fold(title) for titles in BUTTON_TITLES.values() for title in titles}
    held_out: dict[str, list] = {}
    for path in sorted(NLU_DIR.glob("*.yml")):
        language = path.stem
        if language == SHARED:
            continue
        data = _load(path)
        by_intent: dict[str, list] = defaultdict(list)
        for message in data.intent_examples:
            by_intent[message.get("intent")].append(message)
        test = []
        for intent in sorted(by_intent):
            messages = sorted(by_intent[intent], key=lambda m: m.get("text"))
            random.Random(f"{seed}/{language}/{intent}").shuffle(messages)
            candidates = [m for m in messages if _key(m) not in buttons]
            test += candidates[: max(1, math.ceil(len(messages) * test_fraction))]
        held_out[language] = test
        kept.append(data)
    # The same words can be an example in two languages ("ok", "stop") or two spellings of one
    # ("zgadza się" and "zgadza sie", Bengali and Banglish): held out once, they leave training
    # everywhere, so the model never saw a held-out text in any form it reads.
    unseen = {_key(m) for test in held_out.values() for m in test}
    training = [
        TrainingData(
            training_examples=[m for m in data.training_examples if _key(m) not in unseen],
            entity_synonyms=data.entity_synonyms,
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
        )
        for data in kept
    ]
    return training[0].merge(*training[1:]), held_out


def _key(message) -> str | None:
    """What makes two examples the same to the model: their folded words ("się" and "sie",
    "আবেদন" and "abedon")."""
    text = message.get("text")
    return _fold(text) if text else None


def _fold(text: str) -> str:
    from assistant.nlu.folding import fold_text

    return fold_text(text)


def train(training, folder: Path, config: Path = CONFIG) -> tuple[str, float]:
    """Trains an NLU-only model on `training` in `folder`; returns its path and the seconds.
    Trained as production trains (stack/rasa_training.py: quicker, the same model)."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    from stack import rasa_training

    rasa_training.install()

    data_file = folder / "nlu.yml"
    data_file.write_text(RasaYAMLWriter().dumps(training), encoding="utf-8")
    started = time.perf_counter()
    model = train_nlu(
        config=str(config),
        nlu_data=str(data_file),
        output=str(folder / "models"),
        fixed_model_name="nlu-benchmark",
    )
    if model is None:
        raise RuntimeError("training the NLU model failed (see the log above)")
    return model, time.perf_counter() - started


def _entities(entities: list[dict], synonyms: dict[str, str] | None = None) -> set[tuple]:
    """(entity, value, start, end) of the learned entities; annotated values mapped through the
    training data's synonyms as the EntitySynonymMapper maps predicted ones."""
    synonyms = synonyms or {}
    found = set()
    for e in entities:
        if e.get("entity") in LEARNED_ENTITIES:
            value = str(e.get("value"))
            value = synonyms.get(value.lower(), value)
            found.add((e["entity"], value, e.get("start"), e.get("end")))
    return found


def macro_f1(expected: list[str], predicted: list[str]) -> float:
    """Mean F1 over the labels that occur in `expected` (a label never predicted scores 0)."""
    scores = []
    for label in sorted(set(expected)):
        tp = sum(e == label and p == label for e, p in zip(expected, predicted, strict=True))
        fp = sum(e != label and p == label for e, p in zip(expected, predicted, strict=True))
        fn = sum(e == label and p != label for e, p in zip(expected, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def _classifier_intent(parsed: dict) -> str | None:
    """The classifier's own best intent, below any fallback."""
    for ranked in parsed.get("intent_ranking") or []:
        if ranked.get("name") != "nlu_fallback":
            return ranked.get("name")
    return (parsed.get("intent") or {}).get("name")


async def evaluate(
    model_path: str, held_out: dict[str, list], synonyms: dict[str, str]
) -> list[LanguageResult]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    results = []
    for language, messages in held_out.items():
        expected, predicted, classified = [], [], []
        tp = fp = fn = 0
        errors = []
        for message in messages:
            text = message.get("text")
            parsed = await agent.parse_message(text)
            intent = (parsed.get("intent") or {}).get("name")
            expected.append(message.get("intent"))
            predicted.append(intent)
            classified.append(_classifier_intent(parsed))
            gold = _entities(message.get("entities") or [], synonyms)
            found = _entities(parsed.get("entities") or [])
            tp += len(gold & found)
            fp += len(found - gold)
            fn += len(gold - found)
            if intent != message.get("intent") or gold != found:
                errors.append({
                    "text": text,
                    "intent": message.get("intent"),
                    "predicted": intent,
                    "classifier": classified[-1],
                    "confidence": round((parsed.get("intent") or {}).get("confidence") or 0, 3),
                    "entities": sorted(map(list, gold)),
                    "predicted_entities": sorted(map(list, found)),
                })
        correct = sum(e == p for e, p in zip(expected, predicted, strict=True))
        entity_f1 = 2 * tp / (2 * tp + fp + fn) if (tp + fp + fn) else None
        results.append(
            LanguageResult(
                language=language,
                examples=len(messages),
                intent_accuracy=correct / len(messages),
                macro_intent_f1=macro_f1(expected, predicted),
                entity_f1=entity_f1,
                fallback_rate=predicted.count("nlu_fallback") / len(messages),
                classifier_accuracy=sum(
                    e == c for e, c in zip(expected, classified, strict=True)
                ) / len(messages),
                errors=errors,
            )
        )
    return results


def run(
    seed: int = 2026,
    test_fraction: float = 0.2,
    folder: Path | None = None,
    config: Path = CONFIG,
    runs: int = 1,
) -> Report:
    """Split, train and evaluate `runs` times (DIET's random seed one apart each time: one
    training moves every figure by up to 0.03) and average; the first model is kept in `folder`
    when one is given."""
    if runs < 1:
        raise ValueError(f"runs must be 1 or more, not {runs}: a report needs a training")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    with tempfile.TemporaryDirectory(prefix="nlu-benchmark-") as temporary:
        work = folder or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        # A cold cache, so the first training's time is what a fresh checkout takes.
        os.environ["RASA_CACHE_DIRECTORY"] = str(work / "cache")
        fingerprint = inputs_fingerprint(seed, test_fraction, config)
        training, held_out = split(seed, test_fraction)
        models, trainings = [], []  # each training's (model, seconds), and its figures
        for index in range(runs):
            run_folder = work if index == 0 else work / f"run-{index + 1}"
            run_folder.mkdir(parents=True, exist_ok=True)
            models.append(train(training, run_folder, _reseeded(config, index, run_folder)))
            trainings.append(
                asyncio.run(evaluate(models[-1][0], held_out, dict(training.entity_synonyms))))
        first_model, first_seconds = models[0]
        return Report(
            seed=seed,
            test_fraction=test_fraction,
            training_examples=len(training.intent_examples),
            training_seconds=round(first_seconds, 1),
            languages=_averaged(trainings),
            model=first_model if folder else None,
            fingerprint=fingerprint,
            runs=runs,
        )


def _reseeded(config: Path, offset: int, folder: Path) -> Path:
    """The pipeline with DIET's random seed moved by `offset` (the pipeline itself for 0)."""
    if offset == 0:
        return config
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for step in data["pipeline"]:
        if step["name"] == "DIETClassifier":
            step["random_seed"] = int(step.get("random_seed", 0)) + offset
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _averaged(trainings: list[list[LanguageResult]]) -> list[LanguageResult]:
    """Each language's figures averaged over the trainings; the mistakes of every training, each
    marked with its training's number."""
    averaged = []
    for results in zip(*trainings, strict=True):
        def mean(name: str, results=results) -> float | None:
            values = [getattr(r, name) for r in results]
            return None if None in values else sum(values) / len(values)

        averaged.append(LanguageResult(
            language=results[0].language,
            examples=results[0].examples,
            intent_accuracy=mean("intent_accuracy"),
            macro_intent_f1=mean("macro_intent_f1"),
            entity_f1=mean("entity_f1"),
            fallback_rate=mean("fallback_rate"),
            classifier_accuracy=mean("classifier_accuracy"),
            errors=[{**error, "run": number} for number, r in enumerate(results, start=1)
                    for error in r.errors] if len(results) > 1 else results[0].errors,
            macro_intent_f1_runs=[round(r.macro_intent_f1, 4) for r in results],
        ))
    return averaged


def table(report: Report) -> str:
    trainings = "one training" if report.runs == 1 else \
        f"the mean of {report.runs} trainings (DIET's random seed one apart)"
    lines = [
        f"NLU: one model, {report.training_examples} training examples, trained in "
        f"{report.training_seconds:.0f} s; held-out {report.test_fraction:.0%} per intent "
        f"(seed {report.seed}); {trainings}",
        "",
        "| language | examples | intent accuracy | macro intent F1 | F1 of each training "
        "| entity F1 | fallback | accuracy without fallback |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report.languages:
        entity = "n/a" if r.entity_f1 is None else f"{r.entity_f1:.3f}"
        lines.append(
            f"| {r.language} | {r.examples} | {r.intent_accuracy:.3f} | {r.macro_intent_f1:.3f}"
            f" | {' '.join(f'{f:.3f}' for f in r.macro_intent_f1_runs)}"
            f" | {entity} | {r.fallback_rate:.1%} | {r.classifier_accuracy:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--config", type=Path, default=CONFIG, help="another pipeline to try")
    parser.add_argument("--runs", type=int, default=3,
                        help="trainings to average (DIET's random seed one apart each)")
    parser.add_argument("--errors", action="store_true", help="print every held-out mistake")
    parser.add_argument("--keep-model", type=Path, metavar="FOLDER",
                        help="keep the held-out model (and its training data) in FOLDER, to study "
                             "its mistakes or thresholds without training again")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    report = run(args.seed, args.test_fraction, folder=args.keep_model, config=args.config,
                 runs=args.runs)
    print(table(report))
    if args.errors:
        for result in report.languages:
            for error in result.errors:
                print(result.language, json.dumps(error, ensure_ascii=False))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    print(f"\nwritten to {args.json}")
    below = [r.language for r in report.languages if r.macro_intent_f1 < MIN_MACRO_F1]
    if below:
        print(f"macro intent F1 below {MIN_MACRO_F1} for: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
