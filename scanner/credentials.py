"""The one place credentials are read from and masked in: every token, key and password
the scanner holds is remembered when it is read (from the environment, from a store URL),
and `redact` takes each of them, and anything shaped like a credential, out of a text.

Every string that leaves the process passes through `redact`: problems and API refusals
as they are made (whole, before any cut to length), log lines, reports and the store.
A worker process remembers what it reads itself; the parent knows the same variables
from the config, so text coming back from a worker is masked again there.
"""

from __future__ import annotations

import functools
import os
import re
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
_MIN_VALUE = 6  # a shorter value would mask ordinary words

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|APP_?KEY|PRIVATE_KEY|"
                          r"CREDENTIAL", re.IGNORECASE)

# Credentials known by their shape, masked even when nobody registered them: GitHub,
# GitLab and Slack tokens, by their prefixes. Each is (where to look, what is there).
_SHAPES = (("gh", r"(gh[pousr]_)[A-Za-z0-9]{20,}"),
           ("github_pat_", r"(github_pat_)[A-Za-z0-9_]{20,}"),
           ("gl", r"(gl(?:pat|ptt|dt|rt|ft|cbt|oas|imt|soat|agent)-)[A-Za-z0-9_\-]{20,}"),
           ("xox", r"(xox[abprs]-)[A-Za-z0-9\-]{10,}"))
# A credential after a header name or a parameter (matched from its last part, whatever
# comes before: the value after it goes), a bearer or a URL's user. Values stop at
# whitespace, quotes and backslashes, so masking JSON text keeps it JSON.
_VALUE = r"[^\s\"'\\,;&<>]+"
_QUOTE = r"(?:\\?[\"'])?"
_HEADER = rf"{_QUOTE}\s*[:=]\s*{_QUOTE}(?:(?:bearer|token|basic)\s+(?:token=)?)?)"
_CUES = (("authorization", rf"(authorization{_HEADER}{_VALUE}"),  # and proxy-authorization
         ("-token", rf"(-token{_HEADER}{_VALUE}"),  # private-token, job-token, x-auth-token
         ("api-key", rf"(api-key{_HEADER}{_VALUE}"),  # x-api-key, dd-api-key
         ("application-key", rf"(application-key{_HEADER}{_VALUE}"),
         ("passw", rf"(passw(?:or)?d=){_VALUE}"),
         ("pwd", rf"(pwd=){_VALUE}"),
         ("_token", rf"(_token=){_VALUE}"),  # access_token, private_token
         ("_key", rf"(_key=){_VALUE}"),  # api_key, app_key
         ("apikey", rf"(apikey=){_VALUE}"),
         ("_secret", rf"(_secret=){_VALUE}"),  # client_secret
         ("bearer", r"(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*"))


@dataclass(frozen=True)
class _Pattern:
    """A credential right at `literal`. The regex is tried only where the literal is found
    (by a plain search, in `lowered` for any case): most texts hold no literal at all, and
    a report can be tens of MB, which a regex scanning every position crawls through."""

    literal: str
    regex: re.Pattern[str]
    any_case: bool

    def masked(self, text: str, lowered: str) -> str:
        haystack = lowered if self.any_case else text
        at = haystack.find(self.literal)
        if at < 0:
            return text
        kept: list[str] = []
        done = 0
        while at >= 0:
            if (found := self.regex.match(text, at)) is not None:
                kept += [text[done:found.end(1)], MASK]
                done = found.end()
            at = haystack.find(self.literal, max(at + 1, done))
        return "".join([*kept, text[done:]])


_PATTERNS = (
    *(_Pattern(literal, re.compile(regex), False) for literal, regex in _SHAPES),
    *(_Pattern(literal, re.compile(regex, re.IGNORECASE), True) for literal, regex in _CUES),
    _Pattern("://", re.compile(r"(://[^/\s:@\"']*:)[^@\s/\"']+(?=@)"), False),
)

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

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
    if not text:
        return text
    for value in sorted(_known(), key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    lowered = text.translate(_ASCII_LOWER)  # the same length, so places match
    for pattern in _PATTERNS:
        masked = pattern.masked(text, lowered)
        if masked is not text:
            text, lowered = masked, masked.translate(_ASCII_LOWER)
    return text


def looks_like_token(name: str) -> bool:
    """Whether a value given as the name of an environment variable is a credential: a
    known token shape, or random letters and digits no one names a variable with."""
    if any(re.match(regex, name) for _, regex in _SHAPES):
        return True
    digits = sum(c.isdigit() for c in name)
    lower, upper = any(c.islower() for c in name), any(c.isupper() for c in name)
    keylike = len(name) >= 20 and "_" not in name and digits >= 2  # hex or base62 keys
    mixed = len(name) >= 16 and digits >= 2 and lower and upper
    return keylike or mixed


def _known() -> set[str]:
    """Every value to mask: those remembered, and the environment's secrets. Worked out
    again only when the environment or what is remembered changed (values and variables
    are only ever added): redaction runs on every piece of evidence a large scan stores."""
    state = (_environment(), len(_values), len(_variables))
    if _known_for and _known_for[0][0] == state:
        return _known_for[0][1]
    held = ((name, raw.strip()) for name, raw in os.environ.items())
    known = _values | {value for name, value in held if len(value) >= _MIN_VALUE
                       and (name in _variables or _secret_name(name))}
    _known_for[:] = [(state, known)]
    return known


_known_for: list[tuple[Any, set[str]]] = []


def _environment() -> tuple[Any, ...]:
    """The environment as it is now, to tell whether it changed: read from the mapping
    os.environ keeps (`_data`, as the process holds it) where there is one, a tenth of the
    time its items take through the Mapping interface (20 µs, on every redaction)."""
    held = getattr(os.environ, "_data", None)
    if isinstance(held, dict):
        return tuple(held.items())
    return tuple(os.environ.items())


@functools.cache
def _secret_name(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None
