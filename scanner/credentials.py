"""The one place credentials are read from and masked in: every token, key and password
the scanner holds is remembered when it is read (from the environment, from a store URL),
and `redact` takes each of them, and anything shaped like a credential, out of a text.

Every string that leaves the process passes through `redact`: problems and API refusals
as they are made (whole, before any cut to length), log lines, reports and the store.
A worker process remembers what it reads itself; the parent knows the same variables
from the config, so text coming back from a worker is masked again there.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
_MIN_VALUE = 6  # a shorter value would mask ordinary words

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|APP_?KEY|PRIVATE_KEY|"
                          r"CREDENTIAL", re.IGNORECASE)

# Shapes of credentials that are masked even when nobody registered them. Each stops at
# whitespace, quotes and backslashes, so masking JSON text keeps it JSON.
_VALUE = r"[^\s\"'\\,;&<>]+"
_SHAPES = re.compile("|".join((
    r"\bgh[pousr]_[A-Za-z0-9]{20,}",  # GitHub tokens
    r"\bgithub_pat_[A-Za-z0-9_]{20,}",
    r"\bgl(?:pat|ptt|dt|rt|ft|cbt|oas|imt|soat|agent)-[A-Za-z0-9_\-]{20,}",  # GitLab
    r"\bxox[abprs]-[A-Za-z0-9\-]{10,}",  # Slack
)))
# What follows these stays, what is after it (the credential) is masked.
_HEADED = re.compile(
    r"(?i)(?P<head>\b(?:authorization|proxy-authorization|private-token|job-token|"
    r"x-api-key|dd-api-key|dd-application-key|x-auth-token)(?:\\?[\"'])?\s*[:=]\s*"
    r"(?:\\?[\"'])?(?:(?:bearer|token|basic)\s+(?:token=)?)?)" + _VALUE
    + r"|(?P<scheme>\bbearer\s+)" + r"[A-Za-z0-9\-._~+/]{8,}=*"
    + r"|(?P<param>(?<![A-Za-z0-9_])(?:password|passwd|pwd|access_token|private_token|"
    r"api_key|apikey|app_key|client_secret)=)" + _VALUE
    + r"|(?P<userinfo>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@\"']*:)[^@\s/\"']+(?=@)")

_values: set[str] = set()
_variables: set[str] = set()


def remember(*values: str) -> None:
    """Mask these values from now on (the values a credential was read as)."""
    _values.update(value for value in (v.strip() for v in values) if len(value) >= _MIN_VALUE)


def remember_variable(name: str) -> None:
    """The environment variable `name` holds a secret: mask its value wherever it shows."""
    _variables.add(name)


def from_env(name: str) -> str:
    """The secret in environment variable `name` ("" when unset), remembered to be masked."""
    remember_variable(name)
    value = os.environ.get(name, "").strip()
    remember(value)
    return value


def remember_url(url: str) -> None:
    """Mask the password of a database URL: in its userinfo and in `?password=`."""
    try:
        parts = urlsplit(url)
        remember(parts.password or "")
    except ValueError:  # a port that is no number: the password is still in the text
        pass
    remember(*(value for key, value in parse_qsl(url.partition("?")[2])
               if key.lower() in ("password", "passwd")))


def redact(text: str) -> str:
    """`text` with every credential the process holds or recognises replaced by ***."""
    for value in sorted(_known(), key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    text = _SHAPES.sub(MASK, text)
    return _HEADED.sub(_keep_head, text)


def looks_like_token(name: str) -> bool:
    """Whether a value given as the name of an environment variable is a credential: a
    known token shape, or random letters and digits no one names a variable with."""
    if _SHAPES.search(name):
        return True
    digits = sum(c.isdigit() for c in name)
    lower, upper = any(c.islower() for c in name), any(c.isupper() for c in name)
    keylike = len(name) >= 20 and "_" not in name and digits >= 2  # hex or base62 keys
    mixed = len(name) >= 16 and digits >= 2 and lower and upper
    return keylike or mixed


def _known() -> set[str]:
    held = ((name, raw.strip()) for name, raw in os.environ.items())
    return _values | {value for name, value in held
                      if (name in _variables and len(value) >= _MIN_VALUE)
                      or (len(value) >= _MIN_VALUE and _SECRET_NAME.search(name))}


def _keep_head(match: re.Match[str]) -> str:
    head = next(part for part in match.groups() if part is not None)
    return head + MASK
