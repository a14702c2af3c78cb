"""The PostgreSQL connection class of Moot's pool: no reset query when a connection goes back to the pool.

asyncpg's pool sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;` on every release,
and tortoise takes a connection from the pool for every statement outside a transaction: each such statement
cost a second round trip (4-8 % of the delivery loop and of intake in py-spy profiles). Moot leaves no session
state on a pooled connection to reset:
- advisory locks are transaction-scoped only (`pg_advisory_xact_lock`, federation/reply_links.py);
- no session `SET` (settings come as server_settings when the connection opens, the same for every use);
- no cursors outside a transaction (asyncpg's need one);
- LISTEN runs on connections of its own, never the pool's (server/streaming_listener.py).
An open transaction is still rolled back on release: asyncpg's `_reset()` does that before the reset query,
and it runs whether or not there is one.
"""
from __future__ import annotations

from asyncpg.connection import Connection


class NoResetQueryConnection(Connection):  # type: ignore[misc]
    def get_reset_query(self) -> str:
        return ""
