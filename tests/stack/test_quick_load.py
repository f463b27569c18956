"""The served model loaded quickly (stack/quick_load.py), and predicting by the direct call
(stack/predict_call.py), gives exactly the predictions it gives loaded and called Rasa's way.
The served model's one RasaModel is DIET (config.yml has no learned policy)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from stack import Project, ensure_model
from stack.environment import child_environment
from stack.model import ROOT

pytestmark = pytest.mark.integration

# Loads the model Rasa's way, then quickly, in one process; prints what each predicted and how
# long each load took. Messages as people type them, in several of the languages.
_CHECK = r"""
import asyncio, json, logging, sys, time

from rasa.core.agent import Agent
from rasa.utils.tensorflow.models import RasaModel

from stack import predict_call, quick_load

TEXTS = ["hiya", "i wanna complain about my nieghbours AGAIN", "its been going on since march",
         "the next day they did it again", "no thats all thanks", "Dafydd ap Gwilym",
         "dw i isio gneud cais", "mae'r cymdogion yn swnllyd bob nos", "mera naam Ayesha hai",
         "police ko 3 baar bataya", "quiero ayuda con el ruido", "nie wiem", "999??",
         "who decides if it goes ahead", "both the council and the police"]
warnings = []
logging.getLogger("stack.quick_load").addHandler(
    type("H", (logging.Handler,), {"emit": lambda self, record: warnings.append(record)})())


async def predictions(agent):
    parsed = [await agent.parse_message(text) for text in TEXTS]
    return {"nlu": [{k: r[k] for k in ("intent", "intent_ranking", "entities")} for r in parsed]}


# Each load's calls of RasaModel.fit: Rasa's load trains DIET on one example.
fits = []
fit = RasaModel.fit
RasaModel.fit = lambda self, *args, **kwargs: fits.append(1) or fit(self, *args, **kwargs)
started = time.monotonic()
rasas = asyncio.run(predictions(Agent.load(sys.argv[1])))
rasa_seconds, rasa_fits = time.monotonic() - started, len(fits)
quick_load.install()
started = time.monotonic()
quick = asyncio.run(predictions(Agent.load(sys.argv[1])))
quick_seconds, quick_fits = time.monotonic() - started, len(fits) - rasa_fits
predict_call.install()
direct_calls = []
call = predict_call.DirectCall.__call__
predict_call.DirectCall.__call__ = lambda self, batch: direct_calls.append(1) or call(self, batch)
direct = asyncio.run(predictions(Agent.load(sys.argv[1])))
print(json.dumps({"rasa": rasas, "quick": quick, "direct": direct, "rasa_seconds": rasa_seconds,
                  "quick_seconds": quick_seconds, "rasa_fits": rasa_fits,
                  "quick_fits": quick_fits, "warnings": len(warnings),
                  "direct_calls": len(direct_calls)}))
"""


@pytest.fixture(scope="module")
def both_loads() -> dict:
    model = ensure_model(Project.assistant()).path
    done = subprocess.run([sys.executable, "-c", _CHECK, str(model)], cwd=ROOT,
                          env=child_environment({"PYTHONPATH": str(ROOT)}),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_quick_load_reads_every_weight_a_prediction_uses(both_loads):
    assert both_loads["warnings"] == 0  # no fallback to Rasa's way


def test_the_predictions_after_the_first_take_the_direct_call(both_loads):
    assert both_loads["direct_calls"] >= 14  # DIET's, after its first


@pytest.mark.parametrize("way", ["quick", "direct"])
def test_the_nlu_predicts_exactly_as_after_rasas_load(both_loads, way):
    assert both_loads[way]["nlu"] == both_loads["rasa"]["nlu"]
    intents = {result["intent"]["name"] for result in both_loads["quick"]["nlu"]}
    assert len(intents) >= 5  # a model that predicts something, not one class for everything


def test_the_quick_load_trains_nothing(both_loads):
    """What made Rasa's load slow: training DIET on one example. The seconds are
    printed for the record, not compared (benchmarks.conversation measures the start-up)."""
    print(f"loaded and predicted in {both_loads['rasa_seconds']:.1f} s Rasa's way, "
          f"{both_loads['quick_seconds']:.1f} s quickly")
    assert both_loads["rasa_fits"] == 1 and both_loads["quick_fits"] == 0
