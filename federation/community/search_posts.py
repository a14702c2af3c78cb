"""Full-text search over posts, ranked by relevance, within what the viewer may see.

One interface, two engines: SQLite's FTS5 table `post_fts` and PostgreSQL's GIN-indexed generated column
`post.search_vector` (both made by models/migrations/0009_search.py). The
match and the audience rule (`audience.visible_posts(viewer)`) are one SQL query: the WHERE clause the ORM
builds for the audience filter is embedded, with its parameters, in the ranked full-text query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from federation.audience import Viewer, visible_posts
from models.posts import Post

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_LIMIT = 40
# Relevance is ranked among the newest RANK_WINDOW posts that match (all of them for any but the commonest
# words): ranking every one of 100,000 matches of "the" costs hundreds of milliseconds, and a search for a
# common word wants recent posts anyway. Placed before the audience filter, so it can only hide, never leak.
RANK_WINDOW = 1000
_WORD = re.compile(r"\w+", re.UNICODE)
_WORD_RUN = re.compile(r"\w+( \w+)*", re.UNICODE)

# The stored tsvector column 0009_search.py adds on PostgreSQL (title words weigh A, text words B).
PG_VECTOR = "\"post\".\"search_vector\""


@dataclass(frozen=True)
class PostHits:
    posts: list[Post]
    terms: list[str]


def query_terms(text: str) -> list[str]:
    """The words of a search, lower-cased, each once, at most MAX_TERMS (punctuation is not searchable)."""
    # lower(), not casefold(): the indexes lower-case ("straße" stays "straße"; casefold would make "strasse").
    words = _WORD.findall(text[:MAX_QUERY_LENGTH].lower())
    return list(dict.fromkeys(w for w in words if w != "_"))[:MAX_TERMS]


def _dialect() -> str:
    return Post._meta.db.capabilities.dialect


def _audience_clause(viewer: Viewer) -> tuple[str, list]:
    """The WHERE clause (and its parameters) of the audience filter, as the ORM writes it for `post`."""
    queryset = Post.filter(visible_posts(viewer)).only("id")
    # tortoise has no public accessor for a query's parameters: build it as QuerySet.sql() does.
    queryset._choose_db_if_not_chosen()
    queryset._make_query()
    sql, params = queryset.query.get_parameterized_sql()
    head, where, clause = sql.partition(" WHERE ")
    if not where or " FROM \"post\"" not in head:
        raise RuntimeError(f"unexpected audience query shape: {head}")
    return clause, list(params)


def _sql_literal(text: str) -> str:
    """A PostgreSQL string literal of words (standard_conforming_strings is on: only quotes need doubling)."""
    if not _WORD_RUN.fullmatch(text):
        raise ValueError("only words may be inlined into the search query")
    return "'" + text.replace("'", "''") + "'"


async def search_post_ids(viewer: Viewer, text: str, *, limit: int = 20, offset: int = 0) -> list[int]:
    """Ids of the posts the viewer may see that contain every word of `text`, best match first."""
    terms = query_terms(text)
    if not terms:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, min(offset, 10_000))
    clause, params = _audience_clause(viewer)
    client = Post._meta.db
    if _dialect() == "sqlite":
        # Every term quoted: FTS5 then reads it as a plain word, never as query syntax.
        match = " ".join(f'"{term}"' for term in terms)
        sql = (
            "SELECT \"post\".\"id\" AS id FROM (SELECT rowid AS hit_id, bm25(post_fts, 4.0, 1.0) AS hit_score "
            "FROM post_fts WHERE post_fts MATCH ? ORDER BY rowid DESC LIMIT ?) AS hits "
            "JOIN \"post\" ON \"post\".\"id\" = hits.hit_id "
            f"WHERE ({clause}) ORDER BY hits.hit_score, \"post\".\"id\" DESC LIMIT ? OFFSET ?"
        )
        values = [match, RANK_WINDOW, *params, limit, offset]
    else:
        n = len(params)
        # The words are in the SQL text, not a parameter: a prepared statement run a sixth time gets a generic
        # plan, which cannot know how common a word is and reads every match through the GIN index (60 ms for a
        # common word over 100,000 posts, against 4 ms when planned for the words). Safe as a literal: query_terms
        # keeps only \w characters, and quotes are doubled all the same.
        query = f"plainto_tsquery('simple'::regconfig, {_sql_literal(' '.join(terms))})"
        sql = (
            f"SELECT \"post\".\"id\" AS id FROM \"post\" WHERE \"post\".\"id\" IN "
            f"(SELECT \"id\" FROM \"post\" WHERE {PG_VECTOR} @@ {query} ORDER BY \"id\" DESC LIMIT {RANK_WINDOW:d}) "
            f"AND ({clause}) "
            f"ORDER BY ts_rank({PG_VECTOR}, {query}) DESC, \"post\".\"id\" DESC LIMIT ${n + 1} OFFSET ${n + 2}"
        )
        values = [*params, limit, offset]
    _, rows = await client.execute_query(sql, values)
    return [int(row["id"]) for row in rows]


async def search_posts(viewer: Viewer, text: str, *, limit: int = 20, offset: int = 0) -> PostHits:
    """The posts themselves (author and group loaded), in rank order."""
    ids = await search_post_ids(viewer, text, limit=limit, offset=offset)
    found = {p.id: p for p in await Post.filter(id__in=ids).prefetch_related("author", "group")} if ids else {}
    return PostHits(posts=[found[i] for i in ids if i in found], terms=query_terms(text))
