"""Caseworkers' passwords: argon2 hashing and verification on a small thread pool (never on the
event loop, so a burst of sign-ins does not hold up the intake), and the rule a new password
must meet (long enough, not one of the most common passwords, not a repeat or a run)."""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from handoff.reference import ALPHABET

MIN_LENGTH = 12
MAX_LENGTH = 1024
COMMON_FILE = Path(__file__).parent / "common_passwords.txt"
RUNS = ("abcdefghijklmnopqrstuvwxyz" * 2, "0123456789" * 3, "qwertyuiopasdfghjklzxcvbnm",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "1q2w3e4r5t6y7u8i9o0p")
LEET = str.maketrans("013457@$!|", "oieastasil")

hasher = PasswordHasher()
# Two threads: argon2 is made to be slow and to use memory; more sign-ins at once wait their
# turn here rather than taking every core from the intake.
_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


def hash_password(password: str) -> str:
    return hasher.hash(password)


async def hash_off_the_loop(password: str) -> str:
    """hash_password on the password threads (for the inbox's user administration)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_threads, hash_password, password)


def new_password() -> str:
    """A password made for someone (shown once, to pass on): four groups of four characters
    from the reference numbers' alphabet (no 0/O or 1/I), 80 random bits, such as
    K7QM-3XHV-PZ9A-D2WF."""
    while True:
        made = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4))
        if password_problem(made) is None:  # a run or a repeat, by a very long chance
            return made


@cache
def _nobody() -> str:
    """A hash to check against when the username is unknown, so both cases take as long."""
    return hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        hasher.verify(password_hash or _nobody(), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


async def verify(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; with no hash (an unknown user), as much
    work is done and False is returned. Runs on the password threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_threads, _verify, password_hash, password)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _core(password: str) -> str:
    """The word a password is built on: lower case, without digits and symbols at either end."""
    lowered = password.lower()
    start, end = 0, len(lowered)
    while start < end and not lowered[start].isalpha():
        start += 1
    while end > start and not lowered[end - 1].isalpha():
        end -= 1
    return lowered[start:end]


def _repeats(text: str) -> bool:
    """Made of one shorter piece said again: "aaaa", "abcabcabc", "passwordpassword"."""
    return len(text) > 1 and (text + text).find(text, 1) < len(text)


def _is_run(text: str) -> bool:
    """A run along the alphabet, the digits or a keyboard row, either way."""
    return any(text in row or text in row[::-1] for row in RUNS)


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why `password` may not be used, in a sentence, or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if len(set(lowered)) == 1:
        return "The password must not be one character repeated."
    if _repeats(lowered) or len(set(lowered)) < 4:
        return "The password must not be a short pattern repeated."
    if lowered.isdigit():
        return "The password must not be only digits."
    if _is_run(lowered):
        return "The password must not be a run of letters, digits or keys (like abcdef or qwerty)."
    common = common_passwords()
    core = _core(password)
    for candidate in {lowered, lowered.translate(LEET), core, core.translate(LEET),
                      _core(lowered.translate(LEET))}:
        if candidate in common or (candidate and (_repeats(candidate) or _is_run(candidate))
                                   and len(candidate) < MIN_LENGTH):
            return ("The password is one of the most common passwords, or built on one: "
                    "choose something others would not guess, such as three or four unrelated "
                    "words.")
    if username and len(username) >= 3 and username.lower() in lowered:
        return "The password must not contain the username."
    return None
