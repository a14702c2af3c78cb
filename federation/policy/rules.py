"""Keyword and regex content rules: what a post says, its content warning, its link domains, its hashtags.

Any group owner can write a regex rule that every remote post is matched against, so regex rules run on
RE2 (google-re2), whose matching time is linear in the text: a pattern such as `(a+)+$` cannot stall the
server. RE2 has no backreferences or lookarounds; such patterns are refused when the rule is created.
Keywords are escaped literals, which Python's `re` matches in linear time too, with Unicode word edges.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Iterable, Protocol
from urllib.parse import urlsplit

import re2

from federation.content import html_to_text
from federation.protocol.objects import ObjectDoc
from models.moderation import RULE_ACTIONS, RULE_HOLD, RULE_REJECT, RULE_SENSITIVE, RULE_TARGETS, ContentRule

log = logging.getLogger(__name__)

RELOAD_SECONDS = 30.0
# Rules look at this many characters of a post's text and of its content warning, at most.
MAX_TEXT = 100_000
REGEX_SYNTAX = "RE2 syntax: no backreferences or lookarounds"
# The strongest action wins when several rules match.
SEVERITY = {RULE_REJECT: 3, RULE_HOLD: 2, RULE_SENSITIVE: 1}


class RuleError(ValueError):
    """A rule cannot be created as given; the message says why."""


class Matcher(Protocol):
    """What a compiled rule needs: a compiled `re` (keywords) or `re2` (regex rules) pattern."""

    def search(self, text: str) -> object | None: ...

    def fullmatch(self, text: str) -> object | None: ...


@dataclass(frozen=True)
class PostText:
    text: str
    content_warning: str
    link_domains: frozenset[str]
    hashtags: frozenset[str]


@dataclass(frozen=True)
class CompiledRule:
    id: int
    group_id: int | None
    action: str
    targets: frozenset[str]
    pattern: str
    matcher: Matcher

    def matches(self, post: PostText) -> str | None:
        """The target that matched, or None."""
        if "text" in self.targets and self.matcher.search(post.text):
            return "text"
        if "content_warning" in self.targets and self.matcher.search(post.content_warning):
            return "content_warning"
        if "link_domains" in self.targets and any(_domain_matches(self.pattern, d) for d in post.link_domains):
            return "link_domains"
        if "hashtags" in self.targets and any(self.matcher.fullmatch(tag) for tag in post.hashtags):
            return "hashtags"
        return None


@dataclass(frozen=True)
class RuleMatch:
    rule_id: int
    action: str
    target: str
    pattern: str

    @property
    def description(self) -> str:
        return f"rule {self.rule_id} ({self.pattern!r} in {self.target.replace('_', ' ')})"


def _domain_matches(pattern: str, domain: str) -> bool:
    pattern = pattern.lower().lstrip(".")
    return domain == pattern or domain.endswith("." + pattern)


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a refused pattern is the caller's RuleError, not a line on stderr
    return options


def compile_pattern(pattern: str, is_regex: bool) -> Matcher:
    if not pattern.strip():
        raise RuleError("a rule needs a pattern")
    if is_regex:
        try:
            return re2.compile(pattern, _re2_options())
        except re2.error as exc:
            detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
            raise RuleError(f"the regular expression is not accepted ({REGEX_SYNTAX}): {detail}") from None
    # A keyword matches as a whole word where it starts and ends with word characters.
    escaped = re.escape(pattern.strip())
    left = r"\b" if re.match(r"\w", pattern.strip()) else ""
    right = r"\b" if re.search(r"\w$", pattern.strip()) else ""
    return re.compile(f"{left}{escaped}{right}", re.IGNORECASE)


def validate(pattern: str, is_regex: bool, action: str, targets: Iterable[str]) -> list[str]:
    compile_pattern(pattern, is_regex)
    if action not in RULE_ACTIONS:
        raise RuleError(f"action must be one of {', '.join(RULE_ACTIONS)}, not {action!r}")
    chosen = list(dict.fromkeys(targets)) or ["text"]
    unknown = [target for target in chosen if target not in RULE_TARGETS]
    if unknown:
        raise RuleError(f"unknown rule targets {unknown}; use {', '.join(RULE_TARGETS)}")
    return chosen


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        values = dict(attrs)
        # Mention and hashtag links point at profiles and tag pages, not at content people link to.
        if {"mention", "hashtag"} & set((values.get("class") or "").split()):
            return
        if values.get("href"):
            self.hrefs.append(values["href"] or "")


def post_text(doc: ObjectDoc) -> PostText:
    parser = _Links()
    parser.feed(doc.content or "")
    hrefs = parser.hrefs + [a.url for a in doc.attachments if a.url and a.type == "Link"]
    tag_hrefs = {tag.href for tag in doc.tags if tag.href}
    domains = {
        (urlsplit(href).hostname or "").lower()
        for href in hrefs
        if href.startswith(("http://", "https://")) and href not in tag_hrefs
    }
    hashtags = {tag.name.lstrip("#").lower() for tag in doc.tags if tag.type == "Hashtag" and tag.name}
    text = " ".join(part for part in (doc.name or "", html_to_text(doc.content or "")) if part)
    return PostText(text=text[:MAX_TEXT], content_warning=(doc.summary or "")[:MAX_TEXT],
                    link_domains=frozenset(domains - {""}), hashtags=frozenset(hashtags))


def strongest(rules: Iterable[CompiledRule], post: PostText) -> RuleMatch | None:
    best: RuleMatch | None = None
    for rule in rules:
        target = rule.matches(post)
        if target is not None and (best is None or SEVERITY[rule.action] > SEVERITY[best.action]):
            best = RuleMatch(rule.id, rule.action, target, rule.pattern)
    return best


class RuleCache:
    """Compiled enabled rules, reloaded when changed here and at least every RELOAD_SECONDS."""

    def __init__(self) -> None:
        self._loaded_at = float("-inf")
        self._rules: list[CompiledRule] = []

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def rules_for(self, group_id: int | None) -> list[CompiledRule]:
        if time.monotonic() - self._loaded_at >= RELOAD_SECONDS:
            rows = await ContentRule.filter(enabled=True).order_by("id")
            self._rules = []
            for row in rows:
                try:
                    matcher = compile_pattern(row.pattern, row.is_regex)
                except RuleError as exc:  # stored before regex rules ran on RE2: skipped, never fatal
                    log.warning("content rule %s is skipped: %s", row.id, exc)
                    continue
                self._rules.append(CompiledRule(row.id, row.group_id, row.action,
                                                frozenset(row.targets or ["text"]), row.pattern, matcher))
            self._loaded_at = time.monotonic()
        return [rule for rule in self._rules if rule.group_id is None or rule.group_id == group_id]
