"""Judging changed NLU examples on the held-out set they had before.

    python -m benchmarks.nlu_against [REF]     # REF: a commit, default HEAD

`benchmarks.nlu` holds out a fifth of each intent; changing the examples changes which fifth, so
its figures before and after a change are measured on different examples and move by a few
hundredths whatever the change did. This holds the old fifth still: the examples at REF are split
as `benchmarks.nlu` splits them (same seed and fraction), one NLU model is trained on the working
tree's examples without that held-out fifth, and it is evaluated on it. The table compares each
language with REF's `results/nlu.json`, which was measured on the same fifth.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import nlu


def held_out_at(ref: str, folder: Path, seed: int, test_fraction: float) -> dict[str, list]:
    """The held-out examples of the NLU files as they were at `ref`."""
    for path in sorted(nlu.NLU_DIR.glob("*.yml")):
        relative = path.relative_to(nlu.ROOT).as_posix()
        text = subprocess.run(["git", "show", f"{ref}:{relative}"], cwd=nlu.ROOT, check=True,
                              capture_output=True, text=True).stdout
        (folder / path.name).write_text(text, encoding="utf-8")
    here, nlu.NLU_DIR = nlu.NLU_DIR, folder
    try:
        return nlu.split(seed, test_fraction)[1]
    finally:
        nlu.NLU_DIR = here


def training_without(held_out: dict[str, list]):
    """Every example of the working tree's files but the held-out texts."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    unseen = {nlu._key(m) for test in held_out.values() for m in test}
    files = sorted(nlu.NLU_DIR.glob("*.yml"))
    data = [nlu._load(path) for path in files]
    kept = [TrainingData(training_examples=[m for m in d.training_examples
                                            if nlu._key(m) not in unseen],
                         entity_synonyms=d.entity_synonyms, regex_features=d.regex_features,
                         lookup_tables=d.lookup_tables) for d in data]
    return kept[0].merge(*kept[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", default="HEAD")
    args = parser.parse_args(argv)
    before = json.loads(subprocess.run(
        ["git", "show", f"{args.ref}:results/nlu.json"], cwd=nlu.ROOT, check=True,
        capture_output=True, text=True).stdout)
    seed, fraction = before["seed"], before["test_fraction"]
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    with tempfile.TemporaryDirectory(prefix="nlu-against-") as temporary:
        work = Path(temporary)
        (work / "then").mkdir()
        held_out = held_out_at(args.ref, work / "then", seed, fraction)
        training = training_without(held_out)
        os.environ["RASA_CACHE_DIRECTORY"] = str(work / "cache")
        model, seconds = nlu.train(training, work)
        after = asyncio.run(nlu.evaluate(model, held_out, dict(training.entity_synonyms)))
    old = {row["language"]: row for row in before["languages"]}
    print(f"{len(training.intent_examples)} training examples, trained in {seconds:.0f} s; "
          f"held out: the fifth of {args.ref}'s examples (seed {seed})\n")
    print("| language | held-out examples | macro intent F1 then | now | intent accuracy then "
          "| now |")
    print("|---|---|---|---|---|---|")
    for row in after:
        then = old.get(row.language)
        if then is None:
            continue
        print(f"| {row.language} | {row.examples} | {then['macro_intent_f1']:.3f} | "
              f"{row.macro_intent_f1:.3f} | {then['intent_accuracy']:.3f} | "
              f"{row.intent_accuracy:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
