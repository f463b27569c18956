"""A Rasa server started before its model exists (`make run` while the model trains,
Stack.launch_before_model): it imports what serving needs, says it is waiting, and serves the
model once its file is there; its start-up is counted from then."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request

import pytest

from stack import Project, Settings, Stack, ensure_model, free_port
from stack.model import ROOT
from stack.services import SERVICES
from tests.live_stack import TODAY

pytestmark = pytest.mark.integration


def test_the_rasa_server_waits_for_its_model_then_serves_it(tmp_path):
    served = ensure_model(Project.assistant()).path
    later = tmp_path / "models" / served.name
    later.parent.mkdir()
    settings = Settings(root=ROOT, data_dir=tmp_path, run_dir=tmp_path / "run",
                        ports={name: free_port() for name in SERVICES}, today=TODAY.isoformat(),
                        rasa_ready_timeout=600, rasa_api=True)
    with Stack(settings, model=later) as stack:
        [rasa] = stack.launch_before_model()
        deadline = time.monotonic() + 600
        while "waiting for" not in rasa.log_path.read_text(errors="replace"):
            assert rasa.running and time.monotonic() < deadline, rasa.log_tail()
            time.sleep(0.2)
        time.sleep(1)
        assert rasa.running and not rasa.check_ready()  # waiting, not serving
        shutil.copy(served, later.with_suffix(".part"))
        os.replace(later.with_suffix(".part"), later)  # as training puts the model in place
        rasa.restart_clock()
        stack.wait_ready([rasa])
        assert rasa.ready_after is not None
        request = urllib.request.Request(
            f"{settings.url('rasa')}/model/parse?token={settings.rasa_token}", method="POST",
            data=json.dumps({"text": "hiya"}).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert json.loads(answer.read())["intent"]["name"] == "greet"
