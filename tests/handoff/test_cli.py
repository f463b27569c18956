"""`python -m handoff add-user` and `python -m handoff serve` as real processes, with the example
deployment file and no secrets set (as `make run` starts it)."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest

from deployment.config import DEFAULT_FILE
from handoff.cli import main
from handoff.passwords import hasher
from handoff.store import Store
from tests.handoff.handoff_parts import (
    ServiceProcess,
    eventually,
    example_application,
    free_port,
    handoff,
    no_handoff_env,
)

pytestmark = pytest.mark.integration
PASSWORD = "a long enough passphrase"


def add_user(monkeypatch, *args: str, password: str) -> int:
    """`python -m handoff add-user ...` in this process (quicker; serve's test runs it as a
    process), the password on standard input."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main(["add-user", *args, "--password-stdin"])


def test_add_user_checks_the_password_and_refuses_duplicates(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("ASB_HANDOFF_DATABASE_URL", "ASB_DEPLOYMENT"):
        monkeypatch.delenv(name, raising=False)
    assert add_user(monkeypatch, "casey", password="short") == 2
    assert "at least 12 characters" in capsys.readouterr().err
    assert add_user(monkeypatch, "casey", password=PASSWORD) == 0
    assert (tmp_path / "data" / "handoff.sqlite3").exists()
    assert add_user(monkeypatch, "casey", password=PASSWORD) == 1
    assert "already exists" in capsys.readouterr().err
    assert add_user(monkeypatch, "casey", "--reset", password="another long passphrase") == 0
    assert add_user(monkeypatch, "nobody", "--reset", password=PASSWORD) == 1
    store = Store(f"sqlite:///{tmp_path / 'data' / 'handoff.sqlite3'}")
    try:
        stored = store.user("casey")["password_hash"]
    finally:
        store.close()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert hasher.verify(stored, "another long passphrase")


def test_add_user_makes_the_first_user_a_manager_and_takes_a_role(tmp_path, monkeypatch,
                                                                  capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("ASB_HANDOFF_DATABASE_URL", "ASB_DEPLOYMENT"):
        monkeypatch.delenv(name, raising=False)
    assert add_user(monkeypatch, "morgan", password=PASSWORD) == 0
    assert "as a manager" in capsys.readouterr().out
    assert add_user(monkeypatch, "casey", password=PASSWORD) == 0
    assert "as a caseworker" in capsys.readouterr().out
    assert add_user(monkeypatch, "pat", "--role", "pcc_reviewer", password=PASSWORD) == 0
    assert "as a PCC reviewer" in capsys.readouterr().out
    assert add_user(monkeypatch, "casey", "--reset", "--role", "manager",
                    password="another long passphrase") == 0
    assert "casey, a manager (signed out everywhere" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        add_user(monkeypatch, "lee", "--role", "owner", password=PASSWORD)
    assert "invalid choice: 'owner'" in capsys.readouterr().err
    store = Store(f"sqlite:///{tmp_path / 'data' / 'handoff.sqlite3'}")
    try:
        assert {u["username"]: u["role"] for u in store.list_users()} == {
            "casey": "manager", "morgan": "manager", "pat": "pcc_reviewer"}
    finally:
        store.close()


@pytest.mark.parametrize("password, reason", [
    ("aaaaaaaaaaaaaaaa", "one character repeated"),
    ("abcabcabcabcabc", "short pattern repeated"),
    ("abcdefghijklmno", "run of letters"),
    ("qwertyuiopasdf", "run of letters"),
    ("123456789012", "only digits"),
    ("Password1234", "most common passwords"),
    ("P@ssw0rd2026!", "most common passwords"),
    ("Liverpool1892", "most common passwords"),
    ("summer2026!!", "most common passwords"),
    ("iloveyouiloveyou", "short pattern repeated"),
    ("casey is my name ok", "must not contain the username"),
])
def test_add_user_refuses_common_and_repeated_passwords(tmp_path, monkeypatch, capsys, password,
                                                       reason):
    monkeypatch.chdir(tmp_path)
    for name in ("ASB_HANDOFF_DATABASE_URL", "ASB_DEPLOYMENT"):
        monkeypatch.delenv(name, raising=False)
    assert add_user(monkeypatch, "casey", password=password) == 2
    err = capsys.readouterr().err
    assert reason in err and "Nothing was changed" in err
    assert not (tmp_path / "data" / "handoff.sqlite3").exists()


def test_a_broken_deployment_file_is_one_clear_line(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(DEFAULT_FILE.read_text() + "\nhandoff:\n  port: 0\n")
    done = handoff("--deployment", str(broken), "serve", cwd=tmp_path)
    assert done.returncode == 2 and "handoff.port" in done.stderr
    assert "Traceback" not in done.stderr


async def test_serve_starts_with_the_example_file_and_no_secrets(tmp_path, http):
    made = handoff("add-user", "casey", "--password-stdin", cwd=tmp_path, stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    port = free_port()
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "handoff", "serve", "--port", str(port)], cwd=tmp_path,
        env=no_handoff_env(), stdout=open(log, "wb"), stderr=subprocess.STDOUT,
    )
    service = ServiceProcess(process, f"http://127.0.0.1:{port}", "")
    try:
        async def healthy():
            try:
                async with http.get(f"{service.url}/healthz") as response:
                    return response.status == 200
            except OSError:
                return False

        await eventually(healthy, timeout=30, every=0.2)
        token_file = tmp_path / "data" / "intake-token"
        token = token_file.read_text().strip()
        assert len(token) >= 32 and oct(token_file.stat().st_mode & 0o777) == "0o600"
        printed = log.read_text()
        assert f"intake token from the file {token_file} (made now)" in printed
        assert token not in printed
        async with http.post(
            f"{service.url}/api/v1/applications", json=example_application(),
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "conversation-1"},
        ) as response:
            assert response.status == 201
            reference = (await response.json())["reference"]
        # The caseworker made with add-user signs in (cookies are Secure: sent by hand here).
        async with http.get(f"{service.url}/inbox/sign-in") as response:
            sign_in_cookie = response.cookies["asb_inbox_sign_in"].value
            csrf = re.search(r'name="csrf" value="([^"]+)"', await response.text()).group(1)
        async with http.post(
            f"{service.url}/inbox/sign-in", allow_redirects=False,
            data={"csrf": csrf, "username": "casey", "password": PASSWORD},
            headers={"Cookie": f"asb_inbox_sign_in={sign_in_cookie}"},
        ) as response:
            assert response.status == 303
            session = response.cookies["asb_inbox_session"].value
        async with http.get(f"{service.url}/inbox",
                            headers={"Cookie": f"asb_inbox_session={session}"}) as response:
            assert response.status == 200 and reference in await response.text()
    finally:
        service.stop()
    # A second start reads the same token file.
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "handoff", "serve", "--port", str(port)], cwd=tmp_path,
        env=no_handoff_env(), stdout=open(log, "wb"), stderr=subprocess.STDOUT,
    )
    service = ServiceProcess(process, f"http://127.0.0.1:{port}", "")
    try:
        await eventually(lambda: "intake token from" in log.read_text(), timeout=30)
        assert f"intake token from the file {token_file}\n" in log.read_text()
        assert token_file.read_text().strip() == token
    finally:
        service.stop()
