"""Replies that arrived before their parent: linked to it once both are stored.

Federation does not keep order: a comment can arrive before the post it answers (its server delivered them in
another order, a retry came late), and with several workers a reply is often applied while another worker is
storing its parent, whose row the reply's look-up cannot see yet. Such a reply keeps the parent's URI
(in_reply_to_uri) without its id. Whatever stores posts links both ways as it does (link_replies).

Two transactions storing a reply and its parent at the same moment cannot see each other's rows, so each
would link nothing. On PostgreSQL the linking takes a transaction-long advisory lock first: the second to
link waits until the first has committed, and its UPDATE (a new statement) then sees the first one's rows.
SQLite has one writer at a time, so there the transactions never overlap.
"""
from __future__ import annotations

from typing import Sequence

from federation.raw_sql import Params
from models.posts import Post

# The advisory lock's key (any constant that no other part of Moot uses): "moot" in ASCII.
LINK_LOCK = 0x6D6F6F74


async def link_replies(new_uris: Sequence[str], orphan_ids: Sequence[int]) -> None:
    """Replies stored before their parent get its id once both are stored: replies to the posts `new_uris` (just
    stored), and the new posts `orphan_ids` whose parent was not stored when they were (it may have been stored
    since, e.g. by another worker, whose look-up could not see this one yet). One UPDATE; the index on
    in_reply_to_uri keeps it to the rows concerned. Call it in the transaction that stored them."""
    db = Post._meta.db
    if (new_uris or orphan_ids) and db.capabilities.dialect == "postgres":
        await db.execute_query(f"SELECT pg_advisory_xact_lock({LINK_LOCK})")
    for start in range(0, max(len(new_uris), len(orphan_ids)), 500):  # under either engine's parameter limit
        uris, ids = new_uris[start:start + 500], orphan_ids[start:start + 500]
        p = Params(db)
        which = " OR ".join(filter(None, (f"in_reply_to_uri IN ({p.add_all(uris)})" if uris else "",
                                          f"id IN ({p.add_all(ids)})" if ids else "")))
        await db.execute_query(
            "UPDATE post SET in_reply_to_id = (SELECT parent.id FROM post parent WHERE parent.uri = post.in_reply_to_uri) "
            f"WHERE in_reply_to_id IS NULL AND in_reply_to_uri IS NOT NULL AND ({which})", p.values)
