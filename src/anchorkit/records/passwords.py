"""Which passwords an account may have: long enough, and not one that attackers try first.

Why a list and not rules of "one digit, one capital": people meet such rules with
``Password1!``, and guessing tools try exactly those. NIST SP 800-63B asks instead for a
minimum length and a check against passwords known from breaches and common use. anchorkit ships
30,000 of them (``data/common-passwords.txt``, most frequent first) and refuses a password that
is one of them, or one of them dressed up: other capitals, digits or symbols added at the ends,
letters swapped for look-alike digits (``P@ssw0rd2024!``), a word repeated, or the account's own
email name.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from anchorkit.errors import AccountError

MIN_PASSWORD = 12
_LOOKALIKES = str.maketrans(
    {
        "@": "a",
        "4": "a",
        "0": "o",
        "1": "l",
        "!": "i",
        "3": "e",
        "$": "s",
        "5": "s",
        "7": "t",
        "+": "t",
    }
)
_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("anchorkit.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def _forms(password: str) -> set[str]:
    """The password and the plain words it may be dressed up from."""
    lowered = password.lower()
    forms = {lowered, lowered.translate(_LOOKALIKES)}
    for form in list(forms):
        bare = _ENDS.sub("", form)
        forms |= {bare, bare.replace(" ", ""), re.sub(r"[\W_]+", "", form)}
        half = len(bare) // 2
        if half and len(bare) % 2 == 0 and bare[:half] == bare[half:]:
            forms.add(bare[:half])  # "dragondragon"
    return {f for f in forms if f}


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` may not be used (a sentence for the person choosing it), or None."""
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters."
    if len(set(password)) < 4:
        return "Choose a password with more than a few different characters."
    known = common_passwords()
    if any(form in known for form in _forms(password)):
        return (
            "That password is on the list of common and breached passwords attackers try "
            "first. Choose another: a few unrelated words make a strong one."
        )
    name = (email or "").split("@")[0].lower()
    if len(name) >= 4 and name in password.lower():
        return "Choose a password that does not contain your email name."
    return None


def check_password(password: str, email: str | None = None) -> None:
    """Raise AccountError with the reason when ``password`` may not be used."""
    problem = password_problem(password, email)
    if problem is not None:
        raise AccountError(problem)
