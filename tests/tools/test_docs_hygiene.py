"""README.md and docs/*.md stay a front door and a set of topics: short, current, and linked correctly.

History (issue numbers, commit hashes, dated measurement logs) belongs in the issues and CHANGELOG.md,
not in the pages a reader takes as a description of the service as it is.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 250

# A link's target in markdown: [text](target) — images too.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+|mailto:\S+")
# "issue 14", "issues 3 and 4", "#14" (an HTML entity such as &#8217; is not an issue).
ISSUE_NUMBER = re.compile(r"\bissues?\s+#?\d+|(?<![&\w])#\d+\b", re.IGNORECASE)
# 7 to 40 hex digits with at least one digit and one letter: what `git log --oneline` shows.
HEX_RUN = re.compile(r"\b[0-9a-f]{7,40}\b")
# A calendar day that is not the start of an example timestamp ("2026-12-01T00:00:00Z" is fine).
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b(?!T\d)")


def looks_like_commit(word: str) -> bool:
    return any(c.isdigit() for c in word) and any(c.isalpha() for c in word)


def prose(page: Path) -> str:
    """The page without URLs, which may carry other projects' issue numbers and hashes."""
    return URL.sub("", page.read_text(encoding="utf-8"))


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {github_anchor(heading) for heading in re.findall(r"^#{1,6} +(.+?) *$", text, re.M)}


def relative_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return [target for target in LINK.findall(text) if not URL.match(target) and not target.startswith("mailto:")]


def test_the_readme_is_a_front_door_not_a_manual() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines: move the detail into docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_issue_numbers(page: Path) -> None:
    assert ISSUE_NUMBER.findall(prose(page)) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_commit_hashes(page: Path) -> None:
    assert [word for word in HEX_RUN.findall(prose(page)) if looks_like_commit(word)] == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_dated_logs(page: Path) -> None:
    assert DATE.findall(prose(page)) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("as issue 14 asked", True),
        ("fixed in #22", True),
        ("see commit 3f43608 for it", True),
        ("measured on 2026-12-01: 358 req/s", True),
        ("available_from `2026-12-01T00:00:00Z`", False),
        ("a hint id h_3f1c9a0b27de4c51, 1000000 users, &#8217;", False),
    ],
)
def test_the_patterns_tell_history_from_description(text: str, found: bool) -> None:
    hits = ISSUE_NUMBER.findall(text) + [w for w in HEX_RUN.findall(text) if looks_like_commit(w)] + DATE.findall(text)
    assert bool(hits) is found


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Step 3: a sharded cluster", "step-3-a-sharded-cluster"),
        ("The bot's client", "the-bots-client"),
        ("`user_rewards`", "user_rewards"),
        ("Unlock → claim", "unlock--claim"),
    ],
)
def test_anchors_are_made_as_github_makes_them(heading: str, anchor: str) -> None:
    assert github_anchor(heading) == anchor
