"""The README's examples work as written. Every fenced block is one of the kinds below or
the test fails, so a new example cannot slip in unchecked:

- YAML: its first line is a comment naming the file it is (`# config.yaml`, `# targets.yaml:
  …`), and it is loaded by the loader that reads that file in use;
- shell: bash accepts its syntax, every `maturity …` command in it is parsed by the
  command's own parser, and each one that runs offline is run, in the README's order,
  against a real repository with two stored scans (the files it names being the README's
  own YAML blocks), and must succeed;
- text: the sample output and the layout (whose folders must exist).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import build_parser

from gitrepo import GitRepo
from samples import FILES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```$",
                   re.MULTILINE | re.DOTALL)
# Commands the README shows that cannot run here, and why; each must still parse.
NOT_RUN = {
    "survey --answers": "asks its questions in a terminal",
    "GITHUB_TOKEN=": "reads a GitHub organisation",
    "--shard": "needs a shared PostgreSQL store",
    "finalize": "needs a shared PostgreSQL store",
}
Cli = Callable[..., Any]


@dataclass(frozen=True)
class Block:
    lang: str
    text: str
    line: int
    heading: str  # the section it is in

    @property
    def file(self) -> str:
        """The file a YAML block says it is, from its first line (`# targets.yaml: …`)."""
        first = self.text.splitlines()[0]
        named = re.match(r"# (\S+?)(:|$| )", first)
        return named[1] if named else ""


def readme_blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        start = text.count("\n", 0, match.start()) + 1
        headings = re.findall(r"^#+ (.+)$", text[:match.start()], re.MULTILINE)
        found.append(Block(match["lang"], textwrap.dedent(match["body"]), start,
                           headings[-1] if headings else ""))
    return found


BLOCKS = readme_blocks()


def blocks_of(lang: str) -> list[Block]:
    return [block for block in BLOCKS if block.lang == lang]


# --- YAML ---------------------------------------------------------------------------

def load_config(path: Path) -> None:
    from scanner.config import load_config

    assert load_config(path).targets, "a config example that scans nothing"


def load_targets(path: Path) -> None:
    from scanner.model import load_model
    from scanner.targets import load_targets

    assert load_targets(path, load_model())


def load_answers(path: Path) -> None:
    from scanner.model import load_model
    from scanner.survey.answers import load_answers

    answers = load_answers(path, load_model())
    assert answers.stages and answers.dont_know


def load_rule_pack(path: Path) -> None:
    """With the built-in packs, as `rules: extra:` in a config loads it."""
    from scanner.collectors import registry
    from scanner.engine.loader import builtin_rule_files, load_rules
    from scanner.model import load_model

    builtin = builtin_rule_files()
    loaded = load_rules([*builtin, path], load_model(), registry.catalogue()).rules
    assert len(loaded) > len(load_rules(builtin, load_model(), registry.catalogue()).rules)


def load_repository_waivers(path: Path) -> None:
    """As the local collector reads a repository's own file, naming rules that exist."""
    from scanner import validate as v
    from scanner.collectors import registry
    from scanner.engine.loader import builtin_rule_files, load_rules
    from scanner.model import load_model
    from scanner.waivers import parse_repository_waivers, unknown_targets

    waivers = parse_repository_waivers(v.read_yaml_file(path), path.name, "/srv/api")
    model = load_model()
    rules = load_rules(builtin_rule_files(), model, registry.catalogue()).rules
    subs = [sub.full_id for sub in model.all_subcompetencies()]
    assert waivers and not unknown_targets(waivers, rules, subs)


# The file a YAML block names -> the loader that reads that file in use.
YAML_KINDS: dict[str, Callable[[Path], None]] = {
    "config.yaml": load_config,
    "targets.yaml": load_targets,
    "payments.yaml": load_answers,
    "rules/extra.yaml": load_rule_pack,
    ".maturity.yaml": load_repository_waivers,
}


@pytest.mark.parametrize("block", blocks_of("yaml"), ids=lambda b: f"line{b.line}")
def test_yaml_blocks_load_as_the_file_they_name(block: Block, tmp_path: Path) -> None:
    assert block.file in YAML_KINDS, (
        f"README.md:{block.line}: start the block with a comment naming its file, one of "
        f"{', '.join(YAML_KINDS)} (or teach this test the new kind)")
    path = tmp_path / block.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.text, encoding="utf-8")
    YAML_KINDS[block.file](path)


# --- shell --------------------------------------------------------------------------

@dataclass
class Command:
    line: int
    words: list[str]  # what follows `maturity`
    assignments: list[str] = field(default_factory=list)  # NAME=value before it

    @property
    def text(self) -> str:
        return " ".join([*self.assignments, "maturity", *self.words])


OPERATORS = {"&&", "||", ";", "|", "&"}
REDIRECTIONS = {">", ">>", "<", ">&", "&>"}


def maturity_commands(block: Block) -> list[Command]:
    """Each `maturity` command of a shell block (also `.venv/bin/maturity`), with the
    variables set before it; comments and redirections left out."""
    found: list[Command] = []
    for offset, line in enumerate(block.text.replace("\\\n", " ").splitlines()):
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        segment: list[str] = []
        for word in [*lexer, ";"]:
            if word not in OPERATORS:
                segment.append(word)
                continue
            assignments = []
            while segment and re.fullmatch(r"[A-Z_]+=\S*", segment[0]):
                assignments.append(segment.pop(0))
            if segment and Path(segment[0]).name == "maturity":
                words = segment[1:]
                cut = next((i for i, w in enumerate(words) if w in REDIRECTIONS), len(words))
                found.append(Command(block.line + 1 + offset, words[:cut], assignments))
            segment = []
    return found


SHELL = [command for block in blocks_of("sh") for command in maturity_commands(block)]


@pytest.mark.parametrize("block", blocks_of("sh"), ids=lambda b: f"line{b.line}")
def test_shell_blocks_are_valid_bash(block: Block) -> None:
    checked = subprocess.run(["bash", "-n"], input=block.text, capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0, f"README.md:{block.line}: {checked.stderr}"


@pytest.mark.parametrize("command", SHELL, ids=lambda c: f"line{c.line}")
def test_every_maturity_command_parses(command: Command) -> None:
    build_parser().parse_args(command.words)  # raises on an unknown option or choice


def test_commands_left_unrun_are_still_in_the_readme() -> None:
    for shown in NOT_RUN:
        assert any(shown in command.text for command in SHELL), f"no README command {shown}"


def test_the_readme_commands_run(cli: Cli, make_repo: Callable[..., GitRepo]) -> None:
    """In the README's order, from a repository with two stored scans; the files the
    commands name are the README's own blocks (payments.yaml, targets.yaml), a config of
    local targets (estate.yaml), or what an earlier command wrote (search.yaml)."""
    repo = make_repo(FILES)
    here = repo.root
    stored = []
    for _ in range(2):
        scanned = cli("scan", ".", "--format", "json", cwd=here)
        assert scanned.code == 0, scanned.err
        stored.append(json.loads(scanned.out)["scan"]["id"])
    for block in blocks_of("yaml"):
        if block.file in ("payments.yaml", "targets.yaml"):
            (here / block.file).write_text(block.text, encoding="utf-8")
    (here / "estate.yaml").write_text(f"targets:\n  local:\n    - path: {here}\n")
    # What the README writes as an example of the user's own values.
    placeholders = {"20261128T015520Z": stored[0], "repo:/srv/api": f"repo:{here}"}

    failed = []
    ran = 0
    for command in SHELL:
        if any(shown in command.text for shown in NOT_RUN):
            continue
        words = [placeholders.get(word, word) for word in command.words]
        result = cli(*words, cwd=here)
        ran += 1
        if result.code != 0 or "Traceback" in result.err:
            failed.append(f"README.md:{command.line}: {command.text} -> exit {result.code}: "
                          f"{result.err.strip()}")
    assert not failed, "\n".join(failed)
    assert ran >= 15
    assert (here / "report.html").read_text().startswith("<!DOCTYPE html>")


# --- text ---------------------------------------------------------------------------

def layout_names_exist(block: Block) -> None:
    for line in block.text.splitlines():
        if line and not line[0].isspace():
            name = line.split()[0]
            assert (ROOT / name).exists(), f"README.md:{block.line}: {name} does not exist"


def sample_output(block: Block) -> None:
    assert block.text.startswith("DevSecOps maturity: ")


# The section a text block is in -> what it is and how it is checked.
TEXT_KINDS: dict[str, Callable[[Block], None]] = {
    "What a scan prints": sample_output,
    "Layout": layout_names_exist,
}


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang not in ("yaml", "sh")],
                         ids=lambda b: f"line{b.line}")
def test_other_blocks_are_known_kinds(block: Block) -> None:
    assert block.lang == "text", f"README.md:{block.line}: a ```{block.lang} block; use yaml, " \
                                 "sh or text, or teach this test the language"
    assert block.heading in TEXT_KINDS, f"README.md:{block.line}: a text block in " \
                                        f"'{block.heading}' that no check knows"
    TEXT_KINDS[block.heading](block)


def test_the_blocks_were_found() -> None:
    """The fence pattern itself: as many blocks as the README has fences."""
    fences = [line for line in README.read_text().splitlines() if line.strip().startswith("```")]
    assert len(BLOCKS) * 2 == len(fences)
