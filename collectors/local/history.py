"""What a repository's history says, from one pass over `git log`.

One `git log --format=raw` over the window gives parents (merges), author
time with the author's own UTC offset (working hours), signatures (the
`gpgsig` header, read without running gpg), and messages (reverts, fixes,
hotfix merges).  One `git for-each-ref` gives the tags.  People are only ever
counted, never named: no per-person figure leaves this module.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import partial

from scanner.collectors.base import Emitter
from scanner.collectors.local.earlier import NOTHING_EARLIER, Earlier, author_key, earlier
from scanner.collectors.local.git import GitError, GitRepo, run_git
from scanner.evidence import Evidence
from scanner.lazy_patterns import lazy_compile
from scanner.signals import SignalSpec
from scanner.workers import Beside, WorkFailed, begun_beside

WORKDAY_START_HOUR = 8
WORKDAY_END_HOUR = 19
RAMP_UP_COMMITS = 5
BOT = lazy_compile(r"(?i)(\[bot\]|dependabot|renovate|github-actions|gitlab-bot|snyk-bot|"
                   r"pre-commit-ci|mergify|greenkeeper|semantic-release)")
REVERTS = "This reverts commit "
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
REVERTED = lazy_compile(REVERTS + r"([0-9a-f]{7,40})")
REVERT_SUBJECT = lazy_compile(r'^Revert "')
FIX_SUBJECT = lazy_compile(r"(?i)^(fix|bugfix|hotfix)(\(.+?\))?!?:|"
                           r"^(fix|fixes|fixed|hotfix|bugfix)\b")
FEATURE_SUBJECT = lazy_compile(r"(?i)^(feat|feature)(\(.+?\))?!?:|^(add|adds|added|implement|"
                               r"introduce|new)\b")
HOTFIX_MERGE = lazy_compile(r"(?i)^Merge (pull request #\d+ from \S+/|branch ')hotfix[/-]")
RELEASE_TAG = lazy_compile(r"^(v|release[-/]|rel[-/])?\d+(\.\d+){0,3}([-.+][\w.]+)?$")
DEPLOY_TAG = lazy_compile(r"(?i)^(deploy|deployed|prod|production|live|release)[-/_.]")
MINIMUM_CLASSIFIED_SHARE = 0.3
# Header lines of `git log --format=raw` (a message's lines are indented, so a line that
# begins with the word is a header), in a listing that begins with a line break.
RAW_COMMIT = lazy_compile(r"\ncommit ([0-9a-f]+)")
RAW_PARENT = lazy_compile(r"\nparent ([0-9a-f]+)")

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("git.window_days", "int", "Days of history analysed"),
    SignalSpec("git.history_truncated", "bool",
               "The clone is shallow: history before its cut is not visible"),
    SignalSpec("git.commits", "int", "Commits in the window (all branches merged into HEAD)"),
    SignalSpec("git.commits_per_week", "float", "Commits per week in the window"),
    SignalSpec("git.merges_per_week", "float", "Merge commits per week in the window"),
    SignalSpec("git.mainline_days_per_week", "float",
               "Days with a change on the main line (first-parent history) per week"),
    SignalSpec("git.release_tags", "int", "Release-style tags (v1.2.3, release-…) in the window"),
    SignalSpec("git.release_days_per_week", "float", "Days with a release tag per week"),
    SignalSpec("git.release_median_gap_days", "float",
               "Median days between release tags in the window"),
    SignalSpec("git.deploy_tags", "int",
               "Deployment-style tags (deploy-…, prod-…) in the window"),
    SignalSpec("git.revert_share", "float", "Share of commits that revert another commit"),
    SignalSpec("git.revert_median_hours", "float",
               "Median hours from a commit to the commit reverting it"),
    SignalSpec("git.hotfix_merges", "int", "Merges of hotfix/* branches in the window"),
    SignalSpec("git.forward_fix_share", "float",
               "Fix commits as a share of fixes plus reverts: how often problems are fixed "
               "forward rather than rolled back"),
    SignalSpec("git.fix_share", "float",
               "Fix commits as a share of fix and feature commits (conventional-commit prefixes "
               "or fix/add wording); left out when too few commits say which they are"),
    SignalSpec("git.signed_commit_share", "float", "Share of commits in the window signed"),
    SignalSpec("git.signed_tag_share", "float", "Share of release tags in the window signed"),
    SignalSpec("git.off_hours_share", "float",
               "Share of human commits made before 08:00, after 19:00 (author's own time zone) "
               "or at weekends"),
    SignalSpec("git.off_hours_trend", "float",
               "Off-hours share in the window's second half minus its first half "
               "(positive: rising)"),
    SignalSpec("git.new_authors", "int", "People whose first commit falls in the window"),
    SignalSpec("git.days_to_fifth_commit", "float",
               "Median days from a new author's first to their fifth commit"),
    SignalSpec("git.bus_factor", "int",
               "Fewest people whose commits make up half of the window's human commits"),
    SignalSpec("git.debt_markers_per_kloc_start", "float",
               "TODO / FIXME / HACK / XXX markers per 1,000 source lines when the window began"),
    SignalSpec("git.debt_markers_per_kloc_end", "float",
               "TODO / FIXME / HACK / XXX markers per 1,000 source lines at HEAD"),
    SignalSpec("git.debt_markers_trend", "float",
               "Change in markers per 1,000 source lines across the window (negative: falling)"),
)
DEBT_MARKERS = ("-w", "-F", "-e", "TODO", "-e", "FIXME", "-e", "HACK", "-e", "XXX")
ALL_LINES = ("-e", "^")
DEBT_SEARCHES = (DEBT_MARKERS, ALL_LINES)  # each counted at the window's start and at HEAD
SOURCE_SUFFIXES = (".py", ".js", ".jsx", ".mjs", ".ts", ".tsx", ".go", ".java", ".kt", ".rb",
                   ".rs", ".cs", ".php", ".c", ".cc", ".cpp", ".h", ".hpp", ".swift", ".scala",
                   ".ex", ".exs", ".dart", ".vue", ".lua")
# Plain pathspecs: `*` also matches `/`, so `*/vendor/*` excludes vendored code at any depth.
SOURCE_PATHSPECS = (*(f"*{suffix}" for suffix in SOURCE_SUFFIXES),
                    *(f":!{prefix}{folder}/*" for folder in ("vendor", "third_party",
                                                            "node_modules", "dist")
                      for prefix in ("", "*/")))


@dataclass
class _Commit:
    sha: str
    parents: int
    first_parent: str | None
    author: str
    authored: datetime  # in the author's own offset
    signed: bool
    subject: str
    reverts: str | None
    bot: bool


def parse_raw_log(text: str) -> list[_Commit]:
    """Commits from `git log --format=raw`: headers, a blank line, the indented message.

    Read with `str.find` rather than line by line: a year of a busy repository is
    tens of thousands of commits.
    """
    commits: list[_Commit] = []
    epochs: dict[str, datetime] = {}
    bots: dict[str, bool] = {}  # by author: a year holds few authors and many commits
    for raw_block in text.split("\ncommit ") if text else []:
        block = raw_block.removeprefix("commit ")
        sha = block[:block.find("\n")].strip()
        author_at = block.find("\nauthor ")
        message_at = block.find("\n\n")
        if not sha or author_at < 0:
            continue
        if message_at < 0:
            message_at = len(block)
        line_end = block.find("\n", author_at + 1)
        author, authored = _person(block[author_at + 8:line_end], epochs)
        if authored is None:
            continue
        first = block.find("\nparent ", 0, author_at)
        subject_end = block.find("\n", message_at + 2)
        # `in` first: a plain substring test is far quicker than the search on each commit
        reverted = REVERTED.search(block, message_at) if REVERTS in block else None
        bot = bots.get(author)
        if bot is None:
            bot = bots[author] = BOT.search(author) is not None
        commits.append(_Commit(  # by position: keywords cost 0.3 µs more, for every commit
            sha,
            block.count("\nparent ", 0, author_at),
            block[first + 8:block.find("\n", first + 1)] if first >= 0 else None,
            author, authored,
            block.find("\ngpgsig", line_end, message_at + 1) >= 0,
            block[message_at + 2:subject_end if subject_end > 0 else None].strip(),
            reverted.group(1) if reverted else None,
            bot,
        ))
    return commits


def _person(text: str, epochs: dict[str, datetime]) -> tuple[str, datetime | None]:
    """`Name <mail> 1700000000 +0200` -> (mail, the time in the author's own offset).
    `epochs`: the Unix epoch in each offset seen so far, from which a time is one addition
    (a third of the work of `datetime.fromtimestamp`, for every commit of a year)."""
    opening, closing = text.rfind("<"), text.rfind(">")
    parts = text[closing + 1:].split()
    if opening < 0 or closing < opening or len(parts) != 2:
        return "", None
    stamp, offset = parts
    epoch = epochs.get(offset)
    if epoch is None:
        try:
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        except (ValueError, IndexError):
            return "", None
        epoch = epochs[offset] = EPOCH.astimezone(zone)
    try:
        moment = epoch + timedelta(seconds=int(stamp))
    except (OverflowError, ValueError):
        return "", None
    return text[opening + 1:closing].lower() or text[:opening].strip().lower(), moment


class HistoryReads:
    """The git reads behind the history signals, started at once and finished later.

    Git does most of the work in its own processes, so a caller can read files
    while they run and call `finish` when it needs the history.
    """

    def __init__(self, repo: GitRepo, window_days: int, now: datetime, *,
                 reuse: bool = False) -> None:
        """`reuse`: the walk before the window may be taken from, and kept in, the user's
        cache (`earlier.py`)."""
        self.repo, self.window_days, self.now = repo, window_days, now
        self.since = now - timedelta(days=window_days)
        # The window's log (read, then decoded once), its parse, the tags, the walk before
        # the window, the counts.
        self._pool = ThreadPoolExecutor(max_workers=5 + 2 * len(DEBT_SEARCHES))
        log = self._pool.submit(run_git, repo.root, "log", "--format=raw",
                                f"--since={self.since.isoformat()}", "HEAD")
        raw = self._pool.submit(_decoded, log)
        # Parsed while git walks the history before the window: Python's work beside git's.
        self._commits = self._pool.submit(_parsed_log, raw)
        self._tags = self._pool.submit(run_git, repo.root, *TAG_LISTING)
        self._earlier = self._pool.submit(_earlier, repo, raw, self.since, reuse)
        # The debt markers are counted at the window's start as soon as git has said where
        # that is, and at HEAD at once: by `finish`, git has counted them all.
        self._debt_counts = [
            *(self._pool.submit(_count_lines_at_start, repo, self._earlier, pattern)
              for pattern in DEBT_SEARCHES),
            *(self._pool.submit(_count_lines, repo, "HEAD", pattern)
              for pattern in DEBT_SEARCHES)]

    def finish(self, out: Emitter) -> list[str]:
        """Emit the history signals; return notes (shallow clone, unreadable history)."""
        try:
            commits = self._commits.result()
            tags = self._tags.result().decode("utf-8", "replace")
            before = self._earlier.result()
            debt_counts = [future.result() for future in self._debt_counts]
        except GitError as exc:
            return [f"history not read: {exc}"]
        finally:
            self._pool.shutdown(wait=True)
        return _emit_history(self, out, commits=commits, tags=tags, before=before,
                             debt_counts=debt_counts)


class HistoryBeside:
    """HistoryReads in a forked copy of this process, while this one reads the files:
    parsing a year of commits is Python work that would otherwise wait for the files'."""

    def __init__(self, copy: Beside[tuple[list[Evidence], list[str]]]) -> None:
        self._copy = copy

    def finish(self, out: Emitter) -> list[str]:
        try:
            evidence, notes = self._copy.result()
        except WorkFailed as exc:
            return [f"history not read: {exc}"]
        out.evidence.extend(evidence)
        return notes


def _history_evidence(repo: GitRepo, window_days: int, now: datetime, entity: str,
                      source: str, *, reuse: bool = False) -> tuple[list[Evidence], list[str]]:
    out = Emitter(entity, source)
    notes = HistoryReads(repo, window_days, now, reuse=reuse).finish(out)
    return out.evidence, notes


def read_history(repo: GitRepo, window_days: int, now: datetime, out: Emitter, *,
                 beside: bool, reuse: bool) -> HistoryBeside | HistoryReads | None:
    """The history reads of the repository `out` names, begun: `beside` this process where
    a copy would find an idle core (`forks_beside`), else in it (git still runs in
    processes of its own); None when the repository has no commits. `reuse`: see
    `HistoryReads`."""
    if repo.head() is None:
        return None
    copy = begun_beside(partial(_history_evidence, repo, window_days, now, out.entity,
                                out.source, reuse=reuse)) if beside else None
    return HistoryBeside(copy) if copy is not None else \
        HistoryReads(repo, window_days, now, reuse=reuse)


def _decoded(output: Future[bytes]) -> str:
    return output.result().decode("utf-8", "replace")


def _parsed_log(raw: Future[str]) -> list[_Commit]:
    return parse_raw_log(raw.result())


def _emit_history(reads: HistoryReads, out: Emitter, *, commits: list[_Commit], tags: str,
                  before: Earlier, debt_counts: list[int]) -> list[str]:
    repo, window_days, now, since = reads.repo, reads.window_days, reads.now, reads.since
    notes: list[str] = []
    truncated = repo.shallow
    out.emit("git.window_days", window_days)
    out.emit("git.history_truncated", truncated, (),
             "shallow clone: only the fetched part of history is judged" if truncated else None)
    if truncated:
        notes.append("shallow clone: history before the clone's cut is not visible; "
                     "history figures use what is there")
    weeks = max(window_days / 7, 1.0)
    if commits:
        oldest = min(c.authored for c in commits)
        if truncated:
            weeks = max((now - oldest).days / 7, 1.0)
    out.emit("git.commits", len(commits))
    out.emit("git.commits_per_week", round(len(commits) / weeks, 2))
    out.emit("git.merges_per_week", round(sum(1 for c in commits if c.parents > 1) / weeks, 2))
    mainline_days = {c.authored.astimezone(UTC).date()
                     for c in _first_parent_chain(commits, repo.head())}
    out.emit("git.mainline_days_per_week", round(len(mainline_days) / weeks, 2))
    _reverts_and_fixes(commits, out)
    _people(commits, None if truncated else before.authors, since, now, out)
    if commits:
        signed = sum(1 for c in commits if c.signed)
        out.emit("git.signed_commit_share", round(signed / len(commits), 2))
    _tags(tags, since, weeks, out)
    if not truncated:
        _debt_trend(repo, before.start, debt_counts, out)
    return notes


def _first_parent_chain(commits: list[_Commit], head: str | None) -> list[_Commit]:
    """The main line: HEAD and its first parents, as far as the window goes."""
    by_sha = {c.sha: c for c in commits}
    chain: list[_Commit] = []
    current = by_sha.get(head or "")
    while current is not None:
        chain.append(current)
        current = by_sha.get(current.first_parent or "")
    return chain


def _reverts_and_fixes(commits: list[_Commit], out: Emitter) -> None:
    if not commits:
        return
    by_prefix = {c.sha[:7]: c for c in commits}
    reverts = [c for c in commits if c.reverts or REVERT_SUBJECT.match(c.subject)]
    reverted_shas = {c.sha for c in reverts}
    out.emit("git.revert_share", round(len(reverts) / len(commits), 3))
    delays = []
    for revert in reverts:
        target = by_prefix.get(revert.reverts[:7]) if revert.reverts else None
        if target is not None and target.sha.startswith(revert.reverts or ""):
            delays.append((revert.authored - target.authored).total_seconds() / 3600)
    if delays:
        out.emit("git.revert_median_hours", round(statistics.median(delays), 1))
    out.emit("git.hotfix_merges", sum(1 for c in commits if HOTFIX_MERGE.match(c.subject)))
    human = [c for c in commits if c.parents <= 1 and not c.bot
             and c.sha not in reverted_shas]
    fixes = [c for c in human if FIX_SUBJECT.match(c.subject)]
    features = [c for c in human if FEATURE_SUBJECT.match(c.subject)]
    if fixes or reverts:
        out.emit("git.forward_fix_share", round(len(fixes) / (len(fixes) + len(reverts)), 2))
    classified = len(fixes) + len(features)
    if human and classified / len(human) >= MINIMUM_CLASSIFIED_SHARE:
        out.emit("git.fix_share", round(len(fixes) / classified, 2), (),
                 f"{len(fixes)} fix and {len(features)} feature commits of {len(human)}")


def _off_hours(moment: datetime) -> bool:
    return moment.weekday() >= 5 or not WORKDAY_START_HOUR <= moment.hour < WORKDAY_END_HOUR


def _people(commits: list[_Commit], earlier: frozenset[str] | None, since: datetime,
            now: datetime, out: Emitter) -> None:
    """Working hours, bus factor and newcomers' ramp-up; `earlier`: the `author_key` of
    everyone who committed before the window, None when the clone is too shallow to tell
    newcomers apart."""
    human = [c for c in commits if not c.bot]
    if not human:
        return
    out.emit("git.off_hours_share",
             round(sum(1 for c in human if _off_hours(c.authored)) / len(human), 2))
    middle = since + (now - since) / 2
    halves = ([c for c in human if c.authored < middle], [c for c in human if c.authored >= middle])
    if all(halves):
        shares = [sum(1 for c in half if _off_hours(c.authored)) / len(half) for half in halves]
        out.emit("git.off_hours_trend", round(shares[1] - shares[0], 2))
    by_author: dict[str, list[datetime]] = defaultdict(list)
    for commit in human:
        by_author[commit.author].append(commit.authored)
    counts = sorted((len(times) for times in by_author.values()), reverse=True)
    covered, bus = 0, 0
    for count in counts:
        covered += count
        bus += 1
        if covered * 2 >= len(human):
            break
    out.emit("git.bus_factor", bus)
    if earlier is not None:
        _ramp_up({a: t for a, t in by_author.items() if author_key(a) not in earlier}, out)


def _ramp_up(newcomers: dict[str, list[datetime]], out: Emitter) -> None:
    """Authors whose first commit falls in the window: days from their first to fifth."""
    ramps: list[float] = []
    for times in newcomers.values():
        ordered = sorted(times)
        if len(ordered) >= RAMP_UP_COMMITS:
            ramps.append((ordered[RAMP_UP_COMMITS - 1] - ordered[0]).total_seconds() / 86400)
    out.emit("git.new_authors", len(newcomers))
    if ramps:
        out.emit("git.days_to_fifth_commit", round(statistics.median(ramps), 1), (),
                 f"median of {len(ramps)} new authors who reached {RAMP_UP_COMMITS} commits")


def _debt_trend(repo: GitRepo, start: str, counts: list[int], out: Emitter) -> None:
    """Markers per 1,000 lines at two points, the window's start and HEAD (sampled, not
    per commit), counted the same way at both so the difference is meaningful; `counts`
    are DEBT_SEARCHES' at the start, then at HEAD."""
    if not start or start == repo.head():
        return  # no history before the window, or nothing changed within it
    markers_start, lines_start, markers_end, lines_end = counts
    if not lines_start or not lines_end:
        return
    begin = round(markers_start * 1000 / lines_start, 2)
    end = round(markers_end * 1000 / lines_end, 2)
    out.emit("git.debt_markers_per_kloc_start", begin, (f"commit {start[:12]}",))
    out.emit("git.debt_markers_per_kloc_end", end)
    out.emit("git.debt_markers_trend", round(end - begin, 2))


def _earlier(repo: GitRepo, raw: Future[str], since: datetime, reuse: bool) -> Earlier:
    """The history before the window (`earlier.py`), walked from where the window's
    commits lead out of it, since the window has been walked already for `raw`. A shallow
    clone, whose cut parents git does not have, has no history before the window to
    judge."""
    if repo.shallow:
        return NOTHING_EARLIER
    # A line break first, so that each header is found by its line break: patterns that
    # begin with text are searched for that text, three times as fast as `^` is.
    listing = "\n" + raw.result()
    # Found by one search each rather than line by line: this runs while the log is parsed
    # beside it, and the two took turns with the interpreter (0.09 s for a year of 10,000
    # commits, where the searches take 0.02 s).
    inside = set(RAW_COMMIT.findall(listing))
    starts = set(RAW_PARENT.findall(listing)) - inside
    head = repo.head() or ""
    if head and head not in inside:
        starts.add(head)
    return earlier(repo, starts, int(since.timestamp()), reuse=reuse)


def _count_lines_at_start(repo: GitRepo, before: Future[Earlier],
                          pattern: tuple[str, ...]) -> int:
    """_count_lines at the window's start, once the walk before the window says where it
    is (0 when the repository has no commit before the window)."""
    start = before.result().start
    return _count_lines(repo, start, pattern) if start else 0


def _count_lines(repo: GitRepo, revision: str, pattern: tuple[str, ...]) -> int:
    """Lines matching `pattern` in the source files of `revision` (git grep -c, summed)."""
    try:
        output = run_git(repo.root, "grep", "-I", "-c", *pattern, revision, "--",
                         *SOURCE_PATHSPECS)
    except GitError:
        return 0  # git grep exits 1 when nothing matches
    return sum(int(count) for line in output.decode("utf-8", "replace").splitlines()
               for _, _, count in [line.rpartition(":")] if count.isdigit())


TAG_LISTING = ("for-each-ref", "refs/tags", "--format=%(refname:short)%1f%(objecttype)%1f"
               "%(taggerdate:unix)%1f%(*committerdate:unix)%1f%(committerdate:unix)%1f"
               "%(contents:signature)%1e")


def _tags(listing: str, since: datetime, weeks: float, out: Emitter) -> None:
    releases: list[tuple[datetime, bool]] = []
    deploys = 0
    for record in listing.split("\x1e"):
        fields = record.strip("\n").split("\x1f")
        if len(fields) < 6 or not fields[0]:
            continue
        name, _kind, tagged, target_time, commit_time, signature = fields[:6]
        stamp = next((int(v) for v in (tagged, target_time, commit_time) if v.strip()), None)
        if stamp is None:
            continue
        when = datetime.fromtimestamp(stamp, tz=UTC)
        if when < since:
            continue
        if DEPLOY_TAG.match(name):
            deploys += 1
        elif RELEASE_TAG.match(name):
            releases.append((when, "BEGIN" in signature))
    out.emit("git.release_tags", len(releases))
    out.emit("git.deploy_tags", deploys)
    days = {when.date() for when, _ in releases}
    out.emit("git.release_days_per_week", round(len(days) / weeks, 2))
    if len(releases) >= 2:
        ordered = sorted(when for when, _ in releases)
        gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(ordered)]
        out.emit("git.release_median_gap_days", round(statistics.median(gaps), 1))
    if releases:
        out.emit("git.signed_tag_share",
                 round(sum(1 for _, signed in releases if signed) / len(releases), 2))
