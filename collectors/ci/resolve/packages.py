"""Package scripts: what `npm`, `yarn`, `pnpm`, `bun` (and `node --run`), `lerna`,
`turbo`, `nx` and `composer` run, read from package.json or composer.json, in one
package or across a workspace."""

from __future__ import annotations

import posixpath

from scanner.collectors.ci.resolve import runners
from scanner.collectors.ci.resolve.files import RepoFiles
from scanner.collectors.ci.resolve.folders import join
from scanner.collectors.ci.resolve.walk import Step, Walk

MAX_WORKSPACE_PACKAGES = 50
JS_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_JS_RECURSIVE = frozenset({"-r", "--recursive", "--workspaces", "-ws", "--all"})
_JS_PACKAGE_FOLDER = frozenset({"--prefix", "-C", "--dir", "--cwd"})
_JS_BUILTINS = frozenset({"install", "i", "ci", "add", "remove", "uninstall", "publish",
                          "pack", "audit", "outdated", "update", "upgrade", "link", "init",
                          "exec", "dlx", "x", "config", "set", "version", "login", "whoami",
                          "cache", "store", "import", "rebuild", "dedupe", "prune", "ls",
                          "list", "why", "info", "view", "create", "global", "workspaces",
                          "workspace", "help"})


def follow_package_script(files: RepoFiles, head: str, args: list[str], directory: str | None,
                          walk: Walk) -> list[Step]:
    """npm / yarn / pnpm / bun scripts, in one package or across a workspace
    (`-r`, `--workspaces`, `--filter`, lerna, turbo, nx)."""
    folder = directory
    recursive = head in ("lerna", "turbo", "nx")
    names: list[str] = []
    rest = list(args)
    while rest:
        word = rest.pop(0)
        option, _, inline = word.partition("=")
        if option in _JS_PACKAGE_FOLDER and (inline or rest):
            folder = join(directory, inline or rest.pop(0))
        elif option in _JS_RECURSIVE or option in ("--filter", "-F", "--workspace", "-w",
                                                   "--scope"):
            recursive = True
            if option not in _JS_RECURSIVE and not inline and rest:
                rest.pop(0)
        elif option in ("-t", "--target", "--targets") and (inline or rest):
            names += (inline or rest.pop(0)).split(",")
        elif word == "--":
            break
        elif not word.startswith("-"):
            names.append(word)
    names = _script_names(head, names)
    if not names:
        return []
    packages = _all_package_files(files) if recursive else [join(folder, "package.json")]
    steps: list[Step] = []
    for path in packages:
        scripts = runners.package_scripts(files.text(path) or "") \
            if files.has(path) else {}
        package_folder = posixpath.dirname(path)
        for name in names:
            for hook in (f"pre{name}", name, f"post{name}"):
                key = f"{path}#{hook}"
                if hook in scripts and key not in walk.seen:
                    walk.seen.add(key)
                    line, command = scripts[hook]
                    steps.append(Step(line, command, path, package_folder))
    return steps


def follow_composer(files: RepoFiles, args: list[str], directory: str | None,
                    walk: Walk) -> list[Step]:
    """`composer [run-script] NAME`: the script's commands, split at `&&`."""
    bare = [a for a in args if not a.startswith("-")]
    if bare[:1] in (["run-script"], ["run"]):
        bare = bare[1:]
    path = join(directory, "composer.json")
    if not bare or not files.has(path):
        return []
    scripts = runners.package_scripts(files.text(path) or "")
    key = f"{path}#{bare[0]}"
    if bare[0] not in scripts or key in walk.seen:
        return []
    walk.seen.add(key)
    line, command = scripts[bare[0]]
    return [Step(line, part.strip().lstrip("@"), path, directory)
            for part in command.split(" && ") if part.strip()]


def _all_package_files(files: RepoFiles) -> list[str]:
    """A workspace's package.json files, shallowest first, `MAX_WORKSPACE_PACKAGES` at most."""
    found = [p for p in files.all_paths() if p.rsplit("/", 1)[-1] == "package.json"
             and "node_modules/" not in p]
    return sorted(found, key=lambda p: (p.count("/"), p))[:MAX_WORKSPACE_PACKAGES]


def _script_names(head: str, names: list[str]) -> list[str]:
    """The script names a JS package manager command runs (`npm test`, `yarn lint`,
    `pnpm run a b`, `turbo run test`); builtins such as `npm ci` run none."""
    if not names:
        return []
    if head in ("lerna", "turbo") and names[0] == "run":
        return names[1:2]
    if head == "nx":
        if names[0] in ("run-many", "affected"):
            return names[1:2] if len(names) > 1 else []
        return [names[0].rsplit(":", 1)[-1]] if ":" in names[0] else []
    if head == "yarn" and names[:2] in (["workspaces", "run"], ["workspaces", "foreach"]):
        rest = [n for n in names[2:] if n != "run"]
        return rest[:1]
    if names[0] in ("run", "run-script"):
        return names[1:2]
    if names[0] in ("t", "tst"):
        return ["test"]
    if names[0] in ("test", "start", "stop", "restart"):
        return names[:1]
    if head == "npm" or names[0] in _JS_BUILTINS:
        return []
    return names[:1]  # `yarn lint`, `pnpm build`, `bun run` without the word
