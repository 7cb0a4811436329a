"""The ready-made schedules in examples/ work as written: their commands have the options
they use, their shell is valid, cron finds `maturity`, and the scanner they run is
installed without a PyPI release (a wheel built from a checkout, or a Git reference set
in one place). The cron line is run as cron runs it, and a wheel is built from this
checkout and scans a repository. The sharded ones deal out every shard number once, to
shards that agree on N and on the scan's id with the job that finalizes it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from scanner.cli import build_parser

from gitrepo import GitRepo
from samples import FILES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CRON = EXAMPLES / "cron" / "maturity.cron"
WORKFLOW = EXAMPLES / "github-actions" / "maturity-scan.yml"
SHARDED_WORKFLOW = EXAMPLES / "github-actions" / "maturity-sharded.yml"
CRONJOB = EXAMPLES / "kubernetes" / "cronjob.yaml"
SHARDED_JOBS = EXAMPLES / "kubernetes" / "sharded-scan.yaml"
DOCKERFILE = EXAMPLES / "kubernetes" / "Dockerfile"
# A `maturity` command up to a shell operator (;, &&, ||, a redirection) or the line's end.
COMMAND = re.compile(r"\bmaturity (?:scan|finalize|report|diff|history|prune)\b[^;&|>\n]*")
# A reference pip would follow to a branch's moving head rather than a fixed commit.
BRANCHES = {"main", "master", "HEAD", "develop", "trunk"}


def commands(text: str) -> list[list[str]]:
    text = text.replace("\\\n", " ")
    return [shlex.split(found) for found in COMMAND.findall(text)]


def shell_text(path: Path) -> str:
    """The shell in an example: a crontab's lines, or every string of a YAML file."""
    if path.suffix not in {".yml", ".yaml"}:
        return "\n".join(line for line in path.read_text().splitlines()
                         if not line.startswith("#"))
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            found.append(node)

    walk(list(yaml.safe_load_all(path.read_text())))
    return "\n".join(found)


def bash_syntax(script: str) -> None:
    checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0, f"{checked.stderr}\n{script}"


def test_every_example_is_one_of_those_checked_here() -> None:
    found = {path for path in EXAMPLES.rglob("*") if path.is_file()}
    assert found == {CRON, WORKFLOW, SHARDED_WORKFLOW, CRONJOB, SHARDED_JOBS, DOCKERFILE}


@pytest.mark.parametrize("path", [CRON, WORKFLOW, SHARDED_WORKFLOW, CRONJOB, SHARDED_JOBS],
                         ids=lambda p: p.name)
def test_example_commands_parse(path: Path) -> None:
    found = commands(shell_text(path))
    # The gate is where the scan is judged: the scan itself, or the sharded scan's finalize.
    assert any(argv[1] in ("scan", "finalize") and "--fail-on-regression" in argv
               for argv in found), found
    for argv in found:
        build_parser().parse_args(argv[1:])  # raises on an unknown option or choice


# --- cron ---------------------------------------------------------------------------

def crontab() -> tuple[dict[str, str], list[str]]:
    """The crontab's variables and the commands of its jobs, in order."""
    variables: dict[str, str] = {}
    jobs: list[str] = []
    for line in CRON.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if assignment := re.fullmatch(r"([A-Z_]+)=(\S*)", line):
            assert not jobs, f"{line}: a variable after a job does not apply to it"
            variables[assignment[1]] = assignment[2]
        else:
            fields = line.split(None, 5)
            assert len(fields) == 6, f"not a job line: {line}"
            jobs.append(fields[5])
    return variables, jobs


def test_cron_sets_a_path_that_holds_the_installed_command_and_git() -> None:
    variables, jobs = crontab()
    [environment] = re.findall(r"python3 -m venv (\S+)", CRON.read_text())
    path = variables["PATH"].split(":")
    assert path[0] == f"{environment}/bin", "the scanner's environment comes first"
    assert "$" not in variables["PATH"], "cron does not expand variables"
    git = shutil.which("git")
    assert git is not None and str(Path(git).parent) in path, "the scanner runs git"
    for job in jobs:
        assert "%" not in job, "cron turns % into a new line"
        bash_syntax(job)


def test_the_cron_job_runs_as_cron_runs_it(make_repo: Callable[..., GitRepo],
                                           tmp_path: Path) -> None:
    """cron's environment (HOME, LOGNAME, SHELL and the crontab's variables, nothing
    else) and /bin/sh, with the example's folders moved under tmp_path. The scanner's
    environment is this test's: its `maturity` linked where the example installs it."""
    repo = make_repo(FILES)
    moved = {"/opt/maturity-scanner": tmp_path / "opt", "/etc/maturity": tmp_path / "etc",
             "/var/lib/maturity": tmp_path / "lib", "/var/log/maturity": tmp_path / "log"}
    for folder in moved.values():
        folder.mkdir()
    (tmp_path / "opt" / "bin").mkdir()
    (tmp_path / "opt" / "bin" / "maturity").symlink_to(
        Path(sys.executable).with_name("maturity"))
    (tmp_path / "etc" / "config.yaml").write_text(f"targets:\n  local:\n    - {repo.root}\n")

    def here(text: str) -> str:
        for original, folder in moved.items():
            text = text.replace(original, str(folder))
        return text

    variables, jobs = crontab()
    env = {"HOME": str(tmp_path), "LOGNAME": "maturity", "SHELL": "/bin/sh",
           **{name: here(value) for name, value in variables.items()}}
    if "PYTHONPATH" in os.environ:  # the checkout under test, when it is not installed
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    for job in jobs:
        ran = subprocess.run(["/bin/sh", "-c", here(job)], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300, check=False)
        assert ran.returncode == 0, ran.stdout + ran.stderr
    log = (tmp_path / "log" / "maturity.log").read_text().splitlines()
    events = [yaml.safe_load(line)["event"] for line in log]  # JSON is YAML
    assert events == ["stored", "report_written", "pruned"], log
    assert (tmp_path / "lib" / "reports" / "latest.md").read_text().startswith("#")


# --- GitHub Actions -----------------------------------------------------------------

@pytest.mark.parametrize("path", [WORKFLOW, SHARDED_WORKFLOW], ids=lambda p: p.name)
def test_github_actions_installs_a_pinned_git_reference_set_once(path: Path) -> None:
    text = path.read_text()
    workflow = yaml.safe_load(text)
    source = workflow["env"]["MATURITY_SCANNER"]
    requirement = Requirement(f"maturity-scanner @ {source}")
    assert requirement.url and requirement.url.startswith("git+https://")
    reference = requirement.url.rsplit("@", 1)[1]
    assert "/" not in reference and reference not in BRANCHES, reference
    assert text.count(reference) == 1, "the reference is set in one place"
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    runs = [step["run"] for step in steps if "run" in step]
    installs = {run for run in runs if "pip install" in run}
    assert installs == {'pip install "maturity-scanner @ $MATURITY_SCANNER"'}
    for run in runs:
        bash_syntax(run)


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_github_actions_matrix_deals_every_shard_once_then_finalizes() -> None:
    workflow = yaml.safe_load(SHARDED_WORKFLOW.read_text())
    shards, last = workflow["jobs"]["shard"], workflow["jobs"]["finalize"]
    assert shards["strategy"]["fail-fast"] is False, "one failing shard must not stop the rest"
    [step] = [step for step in shards["steps"] if "--shard" in step.get("run", "")]
    assert step["env"]["SHARD"] == "${{ matrix.shard }}"
    [scan] = commands(step["run"])
    index, _, count = option(scan, "--shard").partition("/")
    assert index == "$SHARD"
    assert shards["strategy"]["matrix"]["shard"] == list(range(int(count)))  # from 0, as --shard
    assert sorted(name for name in shards["env"] if name.startswith("GITHUB_TOKEN_")) == [
        f"GITHUB_TOKEN_{number}" for number in range(int(count))], "a token for each shard"
    assert last["needs"] == "shard" and last["if"] == "always()"
    [finalize] = [argv for step in last["steps"] for argv in commands(step.get("run", ""))
                  if argv[1] == "finalize"]
    assert finalize[2] == option(scan, "--scan-id") == "$SCAN_ID"
    assert "github.run_id" in workflow["env"]["SCAN_ID"], "one id per run, kept by re-runs"
    assert option(finalize, "--config") == option(scan, "--config")
    assert "secrets." in workflow["env"]["MATURITY_DB"], "a shared store, not a file"


# --- Kubernetes ---------------------------------------------------------------------

def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """Each stage's instructions (name, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, arguments = line.strip().partition(" ")
        if name == "FROM":
            stages.append([])
        stages[-1].append((name, arguments))
    return stages


def test_kubernetes_runs_an_image_built_from_a_checkout() -> None:
    text = CRONJOB.read_text()
    job = yaml.safe_load(text)
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    image = container["image"]
    assert not image.startswith("python:"), "the scanner is in the image, not installed later"
    assert f"-f examples/kubernetes/Dockerfile -t {image} ." in text
    assert text.count(image.rsplit(":", 1)[1]) == 2, "the tag: in the build line and image:"
    script = " ".join(container["args"])
    assert "pip" not in script
    bash_syntax(script)

    build, final = dockerfile_stages()
    assert ("COPY", ". /src") in build
    [wheel] = [args for name, args in build if name == "RUN" and "pip wheel" in args]
    assert "--wheel-dir /wheels /src" in wheel and "--no-deps" in wheel
    runs = [args for name, args in final if name == "RUN"]
    assert any("pip install" in run and "/wheels/*.whl" in run for run in runs)
    assert not any(re.search(r"pip install[^&]*maturity-scanner", run) for run in runs)
    assert ("USER", str(pod["securityContext"]["runAsUser"])) in final
    for run in [*runs, wheel]:
        bash_syntax(run)


def test_kubernetes_shards_are_an_indexed_job_that_finalize_waits_for() -> None:
    shards, last = yaml.safe_load_all(SHARDED_JOBS.read_text())
    job = shards["spec"]["jobTemplate"]["spec"]
    assert job["completionMode"] == "Indexed" and job["parallelism"] == job["completions"]
    assert job["backoffLimitPerIndex"] >= 1, "a failed shard is retried on its own"
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"  # what per-index retries need
    [container] = pod["containers"]
    [rule] = job["podFailurePolicy"]["rules"]
    assert rule["action"] == "FailIndex" and rule["onExitCodes"]["values"] == [2]
    assert rule["onExitCodes"]["containerName"] == container["name"]
    script = " ".join(container["args"])
    bash_syntax(script)
    [scan] = commands(script)
    count = job["completions"]
    assert option(scan, "--shard") == f"$JOB_COMPLETION_INDEX/{count}"  # 0 to N-1, as --shard

    finisher = last["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    script = " ".join(finisher["args"])
    bash_syntax(script)
    [finalize] = commands(script)
    assert finalize[1] == "finalize" and finalize[2] == option(scan, "--scan-id")
    assert "date -u" in finalize[2], "both name the scan after the day"
    assert last["spec"]["schedule"] == shards["spec"]["schedule"], "so the day is the same"
    assert "--wait" in finalize and option(finalize, "--config") == option(scan, "--config")
    image = yaml.safe_load(CRONJOB.read_text())["spec"]["jobTemplate"]["spec"]["template"][
        "spec"]["containers"][0]["image"]
    assert container["image"] == finisher["image"] == image, "the image cronjob.yaml builds"


# --- the wheel both install from ----------------------------------------------------

def checkout_copy(into: Path) -> Path:
    """The files a fresh clone would hold (tracked, and new ones not ignored), links kept."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source, target = ROOT / name, into / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree, not yet committed
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            shutil.copy2(source, target)
    return into


def test_a_wheel_built_from_the_checkout_scans(make_repo: Callable[..., GitRepo],
                                               tmp_path: Path) -> None:
    """What the cron comments and the Dockerfile do: `pip wheel --no-deps` of a checkout,
    installed and run (with this environment's dependencies)."""
    source = checkout_copy(tmp_path / "src")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--wheel-dir", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=600, check=False)
    if built.returncode != 0 and "from versions: none" in built.stderr \
            and not os.environ.get("CI"):
        pytest.skip("no package index to fetch the build backend from")
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("maturity_scanner-*.whl")
    installed = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(installed), str(wheel)], check=True, timeout=300)
    repo = make_repo(FILES)
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("MATURITY_DEBUG", None)
    ran: Any = subprocess.run(
        [sys.executable, "-c", "import scanner, sys; from scanner.cli import main; "
         "print(scanner.__file__, file=sys.stderr); sys.exit(main())",
         "scan", str(repo.root), "--no-store", "--format", "json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.startswith(str(installed / "scanner")), "the wheel's code ran"
    assert '"stage"' in ran.stdout
