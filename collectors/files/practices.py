"""Engineering practices that show in a repository's files.

Contributor documentation and onboarding guides, reproducible development
environments and one-command setup, post-mortems (and their template),
runbooks, threat models, and the debt that code carries in its comments
(TODO/FIXME markers, lint and type suppressions).

Everything here is read through the shared `FileIndex`; a file that cannot be
read (binary, too large, not UTF-8) is left out, never fatal.  Makefile and
justfile recipes are read with the CI command parser (`ci.resolve.Resolver`),
so both agree on what a target runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from scanner import patterns
from scanner.collectors.base import Emitter
from scanner.collectors.ci.model import COMMAND, Reference
from scanner.collectors.ci.resolve import JUSTFILES, MAKEFILES, Resolver
from scanner.collectors.files import Detector
from scanner.collectors.files.index import FileIndex
from scanner.collectors.markup import Heading, headings
from scanner.collectors.repo_files import SOURCE_SUFFIXES
from scanner.collectors.structured import load_json
from scanner.collectors.tree import SkippedFile
from scanner.signals import SignalSpec, specs_about
from scanner.yaml_source import LineDict, YamlError, load_yaml_documents

KINDS = ("repo", "service")


_spec = specs_about(*KINDS)


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("docs.contributing", "bool",
          "A CONTRIBUTING guide at the root, .github/, docs/ or doc/"),
    _spec("docs.onboarding", "list",
          "Onboarding or developer-setup guides (getting started, DEVELOPMENT, HACKING, "
          "a CONTRIBUTING section on setting up)"),
    _spec("dev.environments", "list",
          "Reproducible development environments defined in the repository (dev container, "
          "Gitpod, Nix, Vagrant, Tilt, a development Compose file)"),
    _spec("dev.bootstrap", "list",
          "One-command setup entry points (make setup/bootstrap/…, just recipes, "
          "script/bootstrap, bin/setup, setup.sh)"),
    _spec("postmortems.documents", "int",
          "Post-mortem / incident review documents kept in the repository (templates excluded)"),
    _spec("postmortems.template", "bool", "A post-mortem or incident template exists"),
    _spec("postmortems.blameless", "bool",
          "Post-mortem templates, guides or documents use blameless wording"),
    _spec("postmortems.action_items_share", "float",
          "Share of post-mortem documents with an action-items / follow-up section"),
    _spec("postmortems.timeline_share", "float",
          "Share of post-mortem documents with a timeline"),
    _spec("runbooks.count", "int", "Runbook, playbook or on-call documents"),
    _spec("threat_models.tools", "list",
          "Threat modelling tools or documents with files in the repository (Threat Dragon, "
          "pytm, Microsoft TMT, Threagile, threat model documents)"),
    _spec("threat_models.count", "int", "Threat model files in the repository"),
    _spec("debt.markers_per_kloc", "float",
          "TODO / FIXME / HACK / XXX markers in comments per 1,000 non-blank source lines"),
    _spec("debt.suppressions_per_kloc", "float",
          "Lint and type-check suppression comments per 1,000 non-blank source lines"),
)

MAX_SOURCE_FILES = 5_000
MAX_STRUCTURED_FILES = 3_000  # JSON / YAML files sniffed for Threat Dragon and Threagile
MAX_FILE_CHARS = 1_000_000
MAX_LOCATORS = 20

DOC_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc", ".txt")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
INDEX_STEMS = frozenset({"readme", "index", "_index", "summary", "toc"})
# Vendored, built or installed code: not the repository's own.
VENDORED = re.compile(r"(?i)(^|/)(vendor|vendors|third[-_]?party|node_modules|bower_components|"
                      r"jspm_packages|dist|build|\.venv|venv|site-packages|\.yarn|Pods)/")
# Fixtures and examples describe no practice of the repository; docs/ does.
NOT_REAL = re.compile(r"(?i)(^|/)(examples?|samples?|tests?|testdata|test-data|fixtures|"
                      r"__tests__|e2e)/")

# --- contributor docs and onboarding -------------------------------------------------------

CONTRIBUTING_FOLDERS = ("", ".github/", "docs/", "doc/")
CONTRIBUTING_SUFFIXES = ("", ".md", ".markdown", ".rst", ".adoc", ".txt")
ONBOARDING_NAME = re.compile(r"(?i)^(onboarding|getting[-_ ]?started|development|developing|"
                             r"hacking)([-_. ].*)?$")
DOCS_DEV_ENTRY = re.compile(r"(?i)^((dev|development|developer|developers|developing)"
                            r"([-_.][^/]*)?|setup[^/]*)$")
# A README section written for people who work on the code, not for its users.
README_DEV_HEADING = re.compile(r"(?i)^(local |setting up (the |a )?)?(development|developing|"
                                r"hacking|building from source|build from source|"
                                r"developer (guide|setup))( (setup|environment|guide))?\s*$")
SETUP_HEADING = re.compile(r"(?i)\b(set(ting)?[- ]?up|build(ing)?|getting started|"
                           r"(development|dev|local|developer) (environment|setup)|"
                           r"local development|install(ing|ation)?|prerequisites)\b")

# --- development environments and bootstrap ------------------------------------------------

DEV_ENV_PATHS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("devcontainer", re.compile(r"^(\.devcontainer/([^/]+/)?devcontainer\.json|"
                                r"\.devcontainer\.json)$")),
    ("gitpod", re.compile(r"^\.gitpod\.ya?ml$")),
    ("nix", re.compile(r"^(flake\.nix|shell\.nix|devbox\.json|devenv\.nix)$")),
    ("vagrant", re.compile(r"^Vagrantfile$")),
    ("tilt", re.compile(r"^Tiltfile$")),
)
COMPOSE_FILE = re.compile(r"(?i)(^|/)(docker-compose|compose)(?P<rest>[-._][\w.-]*)?\.ya?ml$")
DEV_WORD = re.compile(r"(?i)(^|[-._])(dev|devel|develop|development|local|override)([-._]|$)")
DEV_FOLDER = frozenset({"dev", "development", "devenv"})
DEV_SERVICE = re.compile(r"(?i)(^|[-._])(dev|devel|develop|development)([-._]|$)")
BOOTSTRAP_TARGETS = ("setup", "bootstrap", "install", "init", "dev", "develop", "deps", "prepare")
BOOTSTRAP_SCRIPTS = re.compile(r"^(script/(bootstrap|setup)(\.\w+)?|scripts/(bootstrap|setup)"
                               r"[^/]*|bin/setup(\.\w+)?|(setup|bootstrap)\.sh)$")
# `make install` of a C or Go program installs the product, not the development setup.
SYSTEM_INSTALL = re.compile(r"DESTDIR|\$[({]?(PREFIX|prefix|BINDIR|bindir)\b|/usr/(local/)?|"
                            r"(^|\s)install\s+-[dmDvCp]")
_MAKE_RULE_LINE = re.compile(r"^([^\s:#=][^:=#]*?)\s*::?(?!=)(.*)$")
_JUST_HEADER = re.compile(r"^@?([A-Za-z0-9_-]+)(\s+[^:]*)?:(?!=)(.*)$")

# --- post-mortems --------------------------------------------------------------------------

POSTMORTEM_FOLDERS = frozenset({"postmortems", "post-mortems", "postmortem", "post-mortem",
                                "incidents", "incident-reviews", "incident-review",
                                "incident-reports", "post-incident-reviews", "retrospectives",
                                "rca", "rcas"})
POSTMORTEM_NAME = re.compile(r"(?i)(post[-_ ]?mortem|post[-_]incident|incident[-_ ](report|review)|"
                             r"(^|[-_])rca([-_.]|$))")
INCIDENT_WORD = re.compile(r"(?i)(post[-_ ]?mortem|incident|(^|[-_\s])rca([-_.\s]|$)|"
                           r"root[-_ ]cause)")
TEMPLATE_WORD = re.compile(r"(?i)template")
TEMPLATE_FOLDER = frozenset({"templates", "_templates", ".templates", "template"})
ISSUE_TEMPLATE_FOLDERS = (".github/ISSUE_TEMPLATE/", ".gitlab/issue_templates/")
TEMPLATE_TITLE = re.compile(r"^\s*(name|about|title|description)\s*:|^#{1,3}\s")
# Process documents about post-mortems, not post-mortems themselves.
GUIDE_WORD = re.compile(r"(?i)(process|guide|policy|how[-_]?to|checklist|handbook|effective|"
                        r"writing|culture|best[-_]practices|overview|intro|faq|training|"
                        r"meeting|about)")
BLAMELESS = re.compile(r"(?i)\b(blameless|blame[- ]free|no[- ]blame|non[- ]blaming|"
                       r"without (assigning |apportioning |placing )?blame|"
                       r"not (to )?(assign|apportion|place) blame)\b")
ACTION_HEADING = re.compile(r"(?i)(action[- ]items?|follow[- ]?ups?|remediations?|"
                            r"corrective actions?|next steps|action plan)")
TASK_ITEM = re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s")
TIMELINE_HEADING = re.compile(r"(?i)\b(timeline|chronology|sequence of events)\b")
TIMESTAMP = re.compile(r"(?<!\d)([01]?\d|2[0-3]):[0-5]\d(?!\d)")
MIN_TIMESTAMPED_LINES = 3

# --- runbooks ------------------------------------------------------------------------------

RUNBOOK_FOLDERS = frozenset({"runbooks", "runbook", "oncall", "on-call"})
PLAYBOOK_FOLDERS = frozenset({"playbooks", "playbook"})
RUNBOOK_NAME = re.compile(r"(?i)run[-_ ]?book")
# Folder names that are also product names (grafana/oncall's Helm chart is `helm/oncall/`):
# such a folder holding code or configuration is a component, not on-call documentation.
PRODUCT_NAMES = frozenset({"oncall", "on-call"})
CODE_OR_CONFIG = (*SOURCE_SUFFIXES, ".yml", ".yaml", ".json", ".toml", ".tpl")

def _prefixes(path: str) -> list[str]:
    """`a/b/c.md` -> [`a`, `a/b`]: each folder of a path, as a path."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i + 1]) for i in range(len(parts))]


def _folders_with_code(files: FileIndex) -> set[str]:
    """Folders holding source code or configuration somewhere below them."""
    found: set[str] = set()
    for path in files.paths():
        if path.endswith(CODE_OR_CONFIG):
            found.update(_prefixes(path))
    return found


# --- threat models -------------------------------------------------------------------------

THREAT_MODEL_NAME = re.compile(r"(?i)threat[-_ ]?model")
THREAT_MODEL_FOLDER = re.compile(r"(?i)^threat[-_ ]?model(s|ing|ling)?$")
STRIDE_DOC_PATH = re.compile(r"(?i)(secur|design|architect|adr|rfc|threat|risk)")
STRIDE_HEADING = re.compile(r"\bSTRIDE\b")
PYTM_IMPORT = re.compile(r"(?m)^\s*(from\s+pytm(\.\w+)?\s+import\b|import\s+pytm\b)")
PYTM_MODEL = re.compile(r"\bTM\s*\(")  # a model instantiates pytm's TM
NOT_A_MODEL = frozenset({"package.json", "package-lock.json", "tsconfig.json", "composer.json",
                         "composer.lock", "yarn.lock", "pnpm-lock.yaml", "Pipfile.lock",
                         ".eslintrc.json", "renovate.json", "devcontainer.json",
                         ".pre-commit-config.yaml", "pubspec.yaml", "mkdocs.yml"})
THREAT_HINT = re.compile(r"(?i)(threat|dragon|threagile|security|model)")

# --- debt ----------------------------------------------------------------------------------

GENERATED_NAME = re.compile(r"(?i)([.-]min\.[cm]?js$|\.bundle\.[cm]?js$|_pb2(_grpc)?\.py$|"
                            r"\.pb(\.gw|\.validate)?\.go$|(^|/)zz_generated[^/]*$|"
                            r"[._]generated\.\w+$|\.g\.dart$|\.freezed\.dart$|"
                            r"\.designer\.cs$|(^|/)generated/)")
GENERATED_HEADER = patterns.own(r"(?i)(code generated .* do not edit|@generated|"
                                r"<auto-?generated|auto-?generated by|"
                                r"this file (is|was) (automatically )?generated)")
MARKER = re.compile(r"(?<!\w)(TODOs?|FIXME|HACK|XXX)(?!\w)|@todo\b|(?<!\w)(todo|fixme)(?=\s*[:(])")
# Plain substrings, checked before any regular expression runs over a whole file.
MARKER_HINTS = ("TODO", "FIXME", "HACK", "XXX", "todo", "fixme")
SUPPRESSION_HINTS = ("noqa", "NOQA", "NoQA", "ignore", "disable", "nolint", "NOLINT", "allow(",
                     "Suppress", "NOSONAR", "nosec", "nosemgrep", "phpcs:", "@phpstan")
SUPPRESSION = re.compile(
    r"(?i:#\s*noqa\b)|#\s*type:\s*ignore\b|#\s*pyright:\s*ignore\b|#\s*pylint:\s*disable"
    r"|(//|/\*)\s*eslint-disable|@ts-ignore\b|@ts-expect-error\b|@ts-nocheck\b"
    r"|//\s*nolint\b|//\s*NOLINT|#!?\[allow\(|@SuppressWarnings\b|@Suppress\(|@SuppressLint\b"
    r"|\bNOSONAR\b|#\s*rubocop:\s*disable|(#|//)\s*nosec\b|(#|//)\s*nosemgrep\b"
    r"|#pragma\s+warning\s+disable|//\s*swiftlint:disable|phpcs:(ignore|disable)"
    r"|@phpstan-ignore|//\s*biome-ignore")

_C_TOKENS = ("//", "/*")
_COMMENT_TOKENS: dict[str, tuple[str, ...]] = {
    **{suffix: _C_TOKENS for suffix in (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go",
                                        ".java", ".kt", ".rs", ".cs", ".c", ".cc", ".cpp", ".h",
                                        ".hpp", ".swift", ".scala", ".dart")},
    **{suffix: ("#",) for suffix in (".py", ".rb", ".ex", ".exs")},
    ".php": ("//", "/*", "#"),
    ".tf": ("#", "//", "/*"),
    ".vue": ("//", "/*", "<!--"),
    ".m": ("//", "/*", "%"),
    ".lua": ("--",),
    ".clj": (";",),
}
_QUOTES_BY_SUFFIX = {".rs": '"', ".clj": '"', ".js": "\"'`", ".jsx": "\"'`", ".mjs": "\"'`",
                     ".cjs": "\"'`", ".ts": "\"'`", ".tsx": "\"'`", ".vue": "\"'`", ".go": "\"'`"}


def detect(files: FileIndex, out: Emitter) -> None:
    contributing = _contributing(files, out)
    _onboarding(files, contributing, out)
    _dev_environments(files, out)
    _bootstrap(files, out)
    _postmortems(files, out)
    _runbooks(files, out)
    scan = _scan_source(files)
    _threat_models(files, scan.pytm, scan.capped, out)
    _debt(scan, out)


# --- shared helpers ------------------------------------------------------------------------

def _base(path: str) -> str:
    return path.rpartition("/")[2]


def _stem(path: str) -> str:
    base = _base(path).lower()
    return base.rpartition(".")[0] if "." in base.lstrip(".") else base


def _folders(path: str) -> list[str]:
    """Lower-case folder names of a path, `_` read as `-`."""
    return [part.lower().replace("_", "-") for part in path.split("/")[:-1]]


def _is_doc(path: str) -> bool:
    return path.lower().endswith(DOC_SUFFIXES)


def _own(path: str) -> bool:
    """Neither vendored nor an example or test fixture."""
    return not VENDORED.search(path) and not NOT_REAL.search(path)


def _text(files: FileIndex, path: str) -> str | None:
    text = files.text(path)
    if text is None or len(text) > MAX_FILE_CHARS:
        return None
    return text


class _IndexTree:
    """The file index as a `RepoTree`, so the CI command parser reads through its cache."""

    def __init__(self, files: FileIndex) -> None:
        self.files = files

    def paths(self) -> Sequence[str]:
        return self.files.paths()

    def has(self, path: str) -> bool:
        return self.files.has(path)

    def read_text(self, path: str) -> str:
        text = self.files.text(path)
        if text is None:
            raise SkippedFile(self.files.skipped.get(path, "not readable"))
        return text


def _emit_list(out: Emitter, signal: str, found: dict[str, str], negative: str) -> None:
    """A sorted list of names, each name's locator in the same order."""
    names = sorted(found)
    out.emit(signal, names, [found[name] for name in names], None if names else negative)


# --- contributor docs and onboarding -------------------------------------------------------

def _contributing(files: FileIndex, out: Emitter) -> list[str]:
    wanted = {(folder + "contributing" + suffix) for folder in CONTRIBUTING_FOLDERS
              for suffix in CONTRIBUTING_SUFFIXES}
    found = [path for path in files.paths()
             if path.count("/") <= 1 and _lower_name_path(path) in wanted]
    found.sort(key=lambda p: (p.count("/"), p))
    out.emit("docs.contributing", bool(found), found[:1],
             None if found else "no CONTRIBUTING file at the root, .github/, docs/ or doc/")
    return found


def _lower_name_path(path: str) -> str:
    folder, _, name = path.rpartition("/")
    return f"{folder}/{name.lower()}" if folder else name.lower()


def _onboarding(files: FileIndex, contributing: Sequence[str], out: Emitter) -> None:
    found: dict[str, str] = {}
    for path in files.paths():
        if not _own(path):
            continue
        base = _base(path)
        plain = "." not in base
        named = (_is_doc(path) or plain) and ONBOARDING_NAME.match(base)
        if named or (_is_doc(path) and _in_docs_onboarding(path)):
            found[path] = path
    for path in contributing:
        text = _text(files, path)
        if text is None:
            continue
        section = next((h for h in headings(path, text) if SETUP_HEADING.search(h.title)), None)
        if section is not None:
            found[path] = f"{path}:{section.line}"
    readme = next((p for p in files.paths() if "/" not in p and
                   re.match(r"(?i)^readme(\.(md|markdown|rst|adoc|txt))?$", p)), None)
    text = _text(files, readme) if readme else None
    if readme and text:
        section = next((h for h in headings(readme, text)
                        if README_DEV_HEADING.match(h.title.strip())), None)
        if section is not None:
            found[readme] = f"{readme}:{section.line}"
    paths = sorted(found)
    out.emit("docs.onboarding", paths, [found[p] for p in paths],
             None if paths else "no onboarding, getting-started, DEVELOPMENT or HACKING guide, "
             "no setup section in CONTRIBUTING and no development section in the README")


def _in_docs_onboarding(path: str) -> bool:
    """docs/dev*, docs/setup*, docs/contributing/…, docs/onboarding/…, docs/getting-started/…"""
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() not in ("docs", "doc"):
            continue
        entry = parts[index + 1]
        folder = entry.lower().replace("_", "-")
        if DOCS_DEV_ENTRY.match(entry) or (index + 2 < len(parts) and folder in (
                "contributing", "onboarding", "getting-started")):
            return True
    return False


# --- development environments --------------------------------------------------------------

def _dev_environments(files: FileIndex, out: Emitter) -> None:
    found: dict[str, str] = {}
    for path in sorted(files.paths()):
        for name, pattern in DEV_ENV_PATHS:
            if name not in found and pattern.match(path):
                found[name] = path
        if "compose-dev" not in found and (match := COMPOSE_FILE.search(path)) \
                and _own(path) and not path.startswith(".devcontainer/"):
            where = _dev_compose(files, path, match["rest"] or "")
            if where:
                found["compose-dev"] = where
    _emit_list(out, "dev.environments", found,
               "no dev container, Gitpod, Nix, Vagrant, Tilt or development Compose file")


def _dev_compose(files: FileIndex, path: str, rest: str) -> str | None:
    """Where a Compose file shows it is for development: its name, folder or services."""
    if DEV_WORD.search(rest) or any(f in DEV_FOLDER for f in _folders(path)):
        return path
    if _text(files, path) is None:
        return None
    for document in files.yaml(path):
        services = document.get("services") if isinstance(document, LineDict) else None
        if not isinstance(services, LineDict):
            continue
        for name, service in services.items():
            if DEV_SERVICE.search(str(name)):
                return f"{path}:{services.line_of(name)}"
            build = service.get("build") if isinstance(service, LineDict) else None
            if isinstance(build, LineDict) and isinstance(build.get("target"), str) \
                    and DEV_SERVICE.search(build["target"]):
                return f"{path}:{build.line_of('target')}"
    return None


# --- one-command bootstrap -----------------------------------------------------------------

def _bootstrap(files: FileIndex, out: Emitter) -> None:
    tree = _IndexTree(files)
    resolver = Resolver(tree)
    found: list[tuple[str, int]] = []
    makefile = next((name for name in MAKEFILES if files.has(name)), None)
    if makefile is not None:
        found += _make_targets(files, resolver, makefile)
    justfile = next((name for name in JUSTFILES if files.has(name)), None)
    if justfile is not None:
        found += _just_recipes(files, resolver, justfile)
    found += [(path, 0) for path in files.paths() if BOOTSTRAP_SCRIPTS.match(path)]
    locators = [f"{path}:{line}" if line else path for path, line in sorted(set(found))]
    out.emit("dev.bootstrap", locators, locators,
             None if locators else "no setup, bootstrap, install or dev target in a Makefile or "
             "justfile, and no script/bootstrap, scripts/setup*, bin/setup or setup.sh")


def _make_targets(files: FileIndex, resolver: Resolver, makefile: str) -> list[tuple[str, int]]:
    """Bootstrap-named targets that run at least one command (theirs or a prerequisite's)."""
    text = _text(files, makefile)
    if text is None:
        return []
    lines = _rule_lines(text)
    found: list[tuple[str, int]] = []
    for target in BOOTSTRAP_TARGETS:
        if target not in lines:
            continue
        commands = [ref.value for ref in _expand(resolver, f"make {target}")
                    if ref.locator.startswith(f"{makefile}:")]
        if not commands or (target == "install" and any(SYSTEM_INSTALL.search(c)
                                                        for c in commands)):
            continue
        found.append((makefile, lines[target]))
    return found


def _rule_lines(text: str) -> dict[str, int]:
    """The first rule line of each explicit Makefile target."""
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("\t") or raw.startswith("."):
            continue
        match = _MAKE_RULE_LINE.match(raw.split("#", 1)[0].rstrip())
        if match:
            for target in match[1].split():
                lines.setdefault(target, number)
    return lines


def _just_recipes(files: FileIndex, resolver: Resolver, justfile: str) -> list[tuple[str, int]]:
    """Bootstrap-named recipes with a command line or a dependency."""
    text = _text(files, justfile)
    if text is None:
        return []
    headers: dict[str, tuple[int, bool]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw or raw[0].isspace() or raw.startswith(("#", "[")):
            continue
        match = _JUST_HEADER.match(raw)
        if match and match[1] not in ("set", "alias", "export", "import", "mod"):
            dependencies = match[3].split("#", 1)[0].strip()
            headers.setdefault(match[1], (number, bool(dependencies)))
    found: list[tuple[str, int]] = []
    for recipe in BOOTSTRAP_TARGETS:
        if recipe not in headers:
            continue
        line, has_dependencies = headers[recipe]
        if has_dependencies or any(ref.locator.startswith(f"{justfile}:")
                                   for ref in _expand(resolver, f"just {recipe}")):
            found.append((justfile, line))
    return found


def _expand(resolver: Resolver, command: str) -> list[Reference]:
    return resolver.resolve(Reference(COMMAND, command, "practices"))


# --- post-mortems --------------------------------------------------------------------------

@dataclass
class _Postmortems:
    documents: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    guides: list[str] = field(default_factory=list)  # folder indexes and process documents


def _find_postmortems(files: FileIndex) -> _Postmortems:
    found = _Postmortems()
    for path in sorted(files.paths()):
        if VENDORED.search(path):
            continue
        folders = _folders(path)
        issue_template = path.startswith(ISSUE_TEMPLATE_FOLDERS)
        if issue_template:
            if _issue_template_about_incidents(files, path):
                found.templates.append(path)
            continue
        if not _is_doc(path) or NOT_REAL.search(path):
            continue
        in_folder = any(_postmortem_folder(f) for f in folders)
        named = bool(POSTMORTEM_NAME.search(_base(path)))
        template = bool(TEMPLATE_WORD.search(_base(path))) or any(
            f in TEMPLATE_FOLDER for f in folders)
        if template:
            if in_folder or INCIDENT_WORD.search(_base(path)):
                found.templates.append(path)
        elif in_folder:
            (found.guides if _stem(path) in INDEX_STEMS else found.documents).append(path)
        elif named:
            guide = _stem(path) in INDEX_STEMS or GUIDE_WORD.search(_base(path))
            (found.guides if guide else found.documents).append(path)
    return found


def _postmortem_folder(folder: str) -> bool:
    """`postmortems`, `incidents`, `rca`, …, or any folder named for post-mortems."""
    name = folder.lstrip("_.+")
    return name in POSTMORTEM_FOLDERS or bool(re.search(r"post-?mortem", name))


def _issue_template_about_incidents(files: FileIndex, path: str) -> bool:
    """An issue template named for incidents, or whose name, title or heading says so."""
    if _stem(path) == "config":
        return False  # the template chooser's configuration
    if INCIDENT_WORD.search(_base(path)):
        return True
    text = _text(files, path)
    return text is not None and any(
        TEMPLATE_TITLE.match(line) and INCIDENT_WORD.search(line)
        for line in text.splitlines()[:40])


def _postmortems(files: FileIndex, out: Emitter) -> None:
    found = _find_postmortems(files)
    documents = [path for path in found.documents if _text(files, path) is not None]
    none = "no post-mortem or incident review documents"
    out.emit("postmortems.documents", len(documents), documents[:MAX_LOCATORS],
             None if documents else none)
    out.emit("postmortems.template", bool(found.templates), found.templates[:MAX_LOCATORS],
             None if found.templates else "no post-mortem or incident template")
    blameless = next((where for path in [*found.templates, *found.guides, *documents]
                      for where in [_first_line(files, path, BLAMELESS)] if where), None)
    looked = [*found.templates, *found.guides, *documents]
    out.emit("postmortems.blameless", blameless is not None,
             [blameless] if blameless else looked[:MAX_LOCATORS],
             None if blameless else ("no blameless wording in post-mortem templates, guides or "
                                     "documents" if looked else none))
    if not documents:
        return
    with_actions: dict[str, str] = {}
    with_timeline: dict[str, str] = {}
    for path in documents:
        text = _text(files, path) or ""
        sections = headings(path, text)
        action = _action_items(text, sections)
        if action:
            with_actions[path] = f"{path}:{action}"
        timeline = _timeline(text, sections)
        if timeline:
            with_timeline[path] = f"{path}:{timeline}"
    _share(out, "postmortems.action_items_share", documents, with_actions,
           "an action-items or follow-up section")
    _share(out, "postmortems.timeline_share", documents, with_timeline, "a timeline")


def _first_line(files: FileIndex, path: str, pattern: re.Pattern[str]) -> str | None:
    text = _text(files, path)
    if text is None:
        return None
    number = next((i for i, line in enumerate(text.splitlines(), 1) if pattern.search(line)), None)
    return f"{path}:{number}" if number else None


def _action_items(text: str, sections: Iterable[Heading]) -> int | None:
    heading = next((h.line for h in sections if ACTION_HEADING.search(h.title)), None)
    if heading is not None:
        return heading
    return next((i for i, line in enumerate(text.splitlines(), 1) if TASK_ITEM.match(line)), None)


def _timeline(text: str, sections: Iterable[Heading]) -> int | None:
    heading = next((h.line for h in sections if TIMELINE_HEADING.search(h.title)), None)
    if heading is not None:
        return heading
    stamped = [i for i, line in enumerate(text.splitlines(), 1) if TIMESTAMP.search(line)]
    return stamped[0] if len(stamped) >= MIN_TIMESTAMPED_LINES else None


def _share(out: Emitter, signal: str, documents: Sequence[str], having: dict[str, str],
           what: str) -> None:
    missing = [path for path in documents if path not in having]
    locators = missing or [having[path] for path in documents]
    out.emit(signal, round(len(having) / len(documents), 2), locators[:MAX_LOCATORS],
             f"{len(having)} of {len(documents)} post-mortems have {what}"
             + (f"; missing in {', '.join(missing[:5])}" if missing else ""))


# --- runbooks ------------------------------------------------------------------------------

def _runbooks(files: FileIndex, out: Emitter) -> None:
    candidates: list[tuple[str, bool]] = []  # (path, an index file that counts only alone)
    with_code = _folders_with_code(files)
    for path in sorted(files.paths()):
        folders = _folders(path)
        if not _is_doc(path) or not _own(path) or TEMPLATE_WORD.search(_base(path)) \
                or any(f in TEMPLATE_FOLDER for f in folders):
            continue  # templates (a runbook template, a Helm chart's NOTES.txt) are no runbooks
        index = _stem(path) in INDEX_STEMS
        if RUNBOOK_NAME.search(_base(path)) or any(
                f in RUNBOOK_FOLDERS and not (f in PRODUCT_NAMES and prefix in with_code)
                for f, prefix in zip(folders, _prefixes(path), strict=False)):
            candidates.append((path, index))
        elif any(f in PLAYBOOK_FOLDERS for f in folders) and not index \
                and path.lower().endswith(MARKDOWN_SUFFIXES):
            candidates.append((path, False))
    candidates = [(path, index) for path, index in candidates if _text(files, path) is not None]
    pages = [path for path, index in candidates if not index]
    runbooks = [path for path, index in candidates
                if not index or not any(page.startswith(path.rpartition("/")[0] + "/")
                                        for page in pages)]
    out.emit("runbooks.count", len(runbooks), runbooks[:MAX_LOCATORS],
             None if runbooks else "no runbook, playbook or on-call documents")


# --- threat models -------------------------------------------------------------------------

def _threat_models(files: FileIndex, pytm: Sequence[str], source_capped: bool,
                   out: Emitter) -> None:
    models: dict[str, str] = {}  # path -> tool
    for path in pytm:
        models[path] = "pytm"
    structured: list[str] = []
    for path in files.paths():
        if not _own(path):
            continue
        lower = path.lower()
        if lower.endswith(".tm7"):
            models[path] = "microsoft-tmt"
        elif _is_doc(path) and not lower.endswith(".txt") and _threat_model_doc(files, path):
            models[path] = "document"
        elif lower.endswith((".json", ".yml", ".yaml")) and _base(path) not in NOT_A_MODEL \
                and not path.startswith((".github/", ".gitlab/", ".devcontainer/")):
            structured.append(path)
    structured.sort(key=lambda p: (not THREAT_HINT.search(p), p))
    for path in structured[:MAX_STRUCTURED_FILES]:
        tool = _structured_model(files, path)
        if tool:
            models[path] = tool
    tools: dict[str, str] = {}
    for path in sorted(models):
        tools.setdefault(models[path], path)
    capped = len(structured) > MAX_STRUCTURED_FILES or source_capped
    cap_note = (f"; capped: at most {MAX_STRUCTURED_FILES:,} JSON/YAML and "
                f"{MAX_SOURCE_FILES:,} source files were read") if capped else ""
    names = sorted(tools)
    out.emit("threat_models.tools", names, [tools[n] for n in names],
             ("no Threat Dragon, pytm, Microsoft TMT or Threagile model and no threat model "
              "document" + cap_note) if not names else (cap_note[2:] or None))
    paths = sorted(models)
    out.emit("threat_models.count", len(paths), paths[:MAX_LOCATORS],
             ("no threat model files" + cap_note) if not paths else (cap_note[2:] or None))


def _threat_model_doc(files: FileIndex, path: str) -> bool:
    """Named for threat models, kept in a threat-model folder, or with a STRIDE section."""
    if THREAT_MODEL_NAME.search(_base(path)) or any(
            THREAT_MODEL_FOLDER.match(f) for f in _folders(path)):
        return True
    if not STRIDE_DOC_PATH.search(path):
        return False
    text = _text(files, path)
    return text is not None and "STRIDE" in text and any(
        STRIDE_HEADING.search(h.title) for h in headings(path, text))


def _structured_model(files: FileIndex, path: str) -> str | None:
    text = _text(files, path)
    if text is None:
        return None
    if path.lower().endswith(".json"):
        if '"diagrams"' not in text or '"summary"' not in text or '"detail"' not in text:
            return None
        try:
            data = load_json(text)
        except (ValueError, RecursionError):
            return None
        detail = data.get("detail") if isinstance(data, dict) else None
        if isinstance(data, dict) and isinstance(data.get("summary"), dict) \
                and isinstance(detail, dict) and isinstance(detail.get("diagrams"), list):
            return "threat-dragon"
        return None
    if "threagile_version" not in text:
        return None
    try:
        documents = load_yaml_documents(text)
    except YamlError:
        return None
    if any(isinstance(d, dict) and "threagile_version" in d for d in documents):
        return "threagile"
    return None


# --- debt: markers and suppressions --------------------------------------------------------

@dataclass
class _SourceScan:
    files: int = 0  # source files counted
    candidates: int = 0  # source files that could have been read
    lines: int = 0
    markers: int = 0
    suppressions: int = 0
    skipped: int = 0  # unreadable, too large, generated or minified
    capped: bool = False
    marker_files: list[tuple[int, str]] = field(default_factory=list)  # (count, path:line)
    suppression_files: list[tuple[int, str]] = field(default_factory=list)
    pytm: list[str] = field(default_factory=list)


def _scan_source(files: FileIndex) -> _SourceScan:
    scan = _SourceScan()
    paths = sorted(p for p in files.paths()
                   if p.endswith(SOURCE_SUFFIXES) and not VENDORED.search(p)
                   and not GENERATED_NAME.search(p))
    scan.candidates = len(paths)
    if len(paths) > MAX_SOURCE_FILES:
        # A rate: read an even spread of the tree rather than the folders that sort first.
        scan.capped = True
        paths = [paths[i * len(paths) // MAX_SOURCE_FILES] for i in range(MAX_SOURCE_FILES)]
    for path in paths:
        text = _text(files, path)
        if text is None or _generated(text):
            scan.skipped += 1
            continue
        scan.files += 1
        lines = text.splitlines()
        scan.lines += sum(1 for line in lines if line.strip())
        if path.endswith(".py") and "pytm" in text and PYTM_IMPORT.search(text) \
                and PYTM_MODEL.search(text) and not NOT_REAL.search(path):
            scan.pytm.append(path)
        suffix = "." + path.rpartition(".")[2]
        markers, first_marker = _count_markers(text, suffix) \
            if any(hint in text for hint in MARKER_HINTS) else (0, 0)
        if markers:
            scan.markers += markers
            scan.marker_files.append((markers, f"{path}:{first_marker}"))
        suppressions, first_suppression = _count_suppressions(text) \
            if any(hint in text for hint in SUPPRESSION_HINTS) else (0, 0)
        if suppressions:
            scan.suppressions += suppressions
            scan.suppression_files.append((suppressions, f"{path}:{first_suppression}"))
    return scan


def _generated(text: str) -> bool:
    head = text[:2_000]
    if GENERATED_HEADER.search(head):
        return True
    # Minified: long text on very few lines.
    return len(text) > 5_000 and len(text) / (text.count("\n") + 1) > 500


def _count_markers(text: str, suffix: str) -> tuple[int, int]:
    """Markers inside comments, and the first line holding one (0 when none).

    One regular expression per language finds comments and string literals in a
    single pass (strings are matched so that a marker or comment token inside a
    string is skipped); only the comments are searched for markers.
    """
    total = first_at = 0
    first = -1
    for match in _lexer(suffix).finditer(text):
        if match.lastgroup != "comment":
            continue
        found = len(MARKER.findall(match.group()))
        if found:
            total += found
            if first < 0:
                inner = MARKER.search(match.group())
                first = match.start() + (inner.start() if inner else 0)
    if first >= 0:
        first_at = text.count("\n", 0, first) + 1
    return total, first_at


_STRINGS = {
    "double": r'"(?:\\.|[^"\\\n])*"',
    "single": r"'(?:\\.|[^'\\\n])*'",
    "backtick": r"`[^`]*`",
    "triple": r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'',
}
_COMMENTS = {
    "//": r"//[^\n]*", "/*": r"/\*[\s\S]*?(?:\*/|$)", "#": r"#[^\n]*", "--": r"--[^\n]*",
    ";": r";[^\n]*", "%": r"%[^\n]*", "<!--": r"<!--[\s\S]*?(?:-->|$)",
}


@cache
def _lexer(suffix: str) -> re.Pattern[str]:
    tokens = _COMMENT_TOKENS.get(suffix, _C_TOKENS)
    quotes = _QUOTES_BY_SUFFIX.get(suffix, "\"'")
    strings = []
    if suffix == ".py":
        strings.append(_STRINGS["triple"])
    strings += [_STRINGS[name] for mark, name in (('"', "double"), ("'", "single"),
                                                   ("`", "backtick")) if mark in quotes]
    comments = "|".join(_COMMENTS[token] for token in tokens)
    return re.compile(f"(?P<string>{'|'.join(strings)})|(?P<comment>{comments})")


def _count_suppressions(text: str) -> tuple[int, int]:
    """Suppression comments, and the first line holding one (0 when none).

    The full pattern only runs on lines where a plain substring search (fast)
    found a hint; over a large C code base that is the difference between
    seconds and milliseconds.
    """
    starts: set[int] = set()
    for hint in SUPPRESSION_HINTS:
        at = text.find(hint)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            at = text.find(hint, at + len(hint))
    total, first = 0, -1
    for start in sorted(starts):
        end = text.find("\n", start)
        found = sum(1 for _ in SUPPRESSION.finditer(text, start, end if end >= 0 else len(text)))
        if found:
            total += found
            first = start if first < 0 else first
    return total, (text.count("\n", 0, first) + 1 if first >= 0 else 0)


def _debt(scan: _SourceScan, out: Emitter) -> None:
    if scan.lines == 0:
        return  # no source code: nothing to rate
    read = f"{scan.lines:,} non-blank lines of {scan.files:,} source files"
    caveats = []
    if scan.capped:
        caveats.append(f"capped: {MAX_SOURCE_FILES:,} of {scan.candidates:,} source files "
                       "read, spread evenly over the tree")
    if scan.skipped:
        caveats.append(f"{scan.skipped:,} unreadable, over 1 MB, generated or minified "
                       "files skipped")
    tail = "".join(f"; {c}" for c in caveats)
    for signal, count, where, what in (
            ("debt.markers_per_kloc", scan.markers, scan.marker_files,
             "TODO/FIXME/HACK/XXX markers in comments"),
            ("debt.suppressions_per_kloc", scan.suppressions, scan.suppression_files,
             "lint/type suppression comments")):
        top = [locator for _, locator in sorted(where, key=lambda item: (-item[0], item[1]))]
        out.emit(signal, round(count * 1000 / scan.lines, 2), top[:5],
                 f"{count:,} {what} in {read}{tail}")


DETECTOR = Detector("practices", SIGNALS, detect)
