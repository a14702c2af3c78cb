"""New Delivery rows written by the fan-out's raw INSERT (unnest on PostgreSQL, multi-row VALUES on SQLite) are the
rows the ORM's bulk_create wrote."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tortoise.transactions import in_transaction

from federation.delivery_rows import ROWS_PER_STATEMENT, insert_deliveries
from federation.queue import DEFAULT_LEASE, claim
from models.queues import PENDING, Delivery, OutboundActivity
from tests.conftest import MootInstance

STORED_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00$")  # SQLite's text


async def activity_of(moot: MootInstance, number: int = 1) -> OutboundActivity:
    owner, _ = await moot.user(f"owner{number}")
    return await OutboundActivity.create(uri=f"http://x.test/a/{number}", actor=owner, type="Create", payload={})


async def test_a_raw_row_equals_the_orms_row_field_by_field_and_as_stored(moot: MootInstance) -> None:
    activity = await activity_of(moot)
    due = datetime.now(timezone.utc).replace(microsecond=123456) - timedelta(seconds=5)
    await Delivery.bulk_create([Delivery(activity_id=activity.id, inbox_url="http://a.test/inbox", host="a.test",
                                         next_attempt_at=due)])
    async with in_transaction() as db:
        await insert_deliveries(db, [(activity.id, "http://a.test/inbox", "a.test")], due)
    orm, raw = await Delivery.all().order_by("id")

    # The ORM's view: every field the same, but the id and the moment of creation.
    for name in Delivery._meta.fields_map:
        if name in ("id", "activity", "created_at"):
            continue
        assert getattr(raw, name) == getattr(orm, name), name
    assert raw.state == PENDING and raw.attempts == 0 and raw.next_attempt_at == due
    assert raw.locked_until is raw.last_error is raw.last_status is raw.delivered_at is None
    assert raw.created_at.utcoffset() == orm.created_at.utcoffset() == timedelta(0)
    assert abs(raw.created_at - orm.created_at) < timedelta(minutes=1)

    # As stored: the same types and values column by column (on SQLite, the same datetime text, which
    # comparisons such as the claim's next_attempt_at <= now depend on).
    db = Delivery._meta.db
    stored_orm, stored_raw = await db.execute_query_dict(f'SELECT * FROM "{Delivery._meta.db_table}" ORDER BY "id"')
    assert stored_orm.keys() == stored_raw.keys()
    for column in stored_orm:
        assert type(stored_raw[column]) is type(stored_orm[column]), column
        if column not in ("id", "created_at"):
            assert stored_raw[column] == stored_orm[column], column
    if isinstance(stored_raw["created_at"], str):
        for stored in (stored_orm, stored_raw):
            assert STORED_TIME.match(stored["created_at"]) and STORED_TIME.match(stored["next_attempt_at"])

    claimed = await claim(Delivery, limit=10, lease=DEFAULT_LEASE)
    assert sorted(row.id for row in claimed) == [orm.id, raw.id]


async def test_rows_are_written_in_statements_under_the_parameter_limits(moot: MootInstance) -> None:
    first, second = await activity_of(moot, 1), await activity_of(moot, 2)
    due = datetime.now(timezone.utc)
    small = [(first.id, f"http://h{n}.test/inbox", f"h{n}.test") for n in range(8)]
    big = [(second.id, f"http://b{n}.test/inbox", f"b{n}.test") for n in range(2 * ROWS_PER_STATEMENT + 1)]
    async with in_transaction() as db:
        await insert_deliveries(db, small, due, per_statement=3)  # SQLite: three statements of 3, 3 and 2 rows
        await insert_deliveries(db, big, due)  # SQLite: two full statements and one of a row
    assert sorted(await Delivery.filter(activity_id=first.id).values_list("activity_id", "inbox_url", "host")) \
        == sorted(small)
    stored = await Delivery.filter(activity_id=second.id).values_list("inbox_url", "host", "state", "attempts")
    assert sorted(stored) == sorted((inbox, host, PENDING, 0) for _, inbox, host in big)


async def test_a_failed_pass_writes_no_rows(moot: MootInstance) -> None:
    activity = await activity_of(moot)
    rows = [(activity.id, "http://a.test/inbox", "a.test"), (activity.id + 1000, "http://b.test/inbox", "b.test")]
    try:
        async with in_transaction() as db:
            await insert_deliveries(db, rows, datetime.now(timezone.utc), per_statement=1)
    except Exception:  # the second row's activity does not exist (a foreign key violation)
        pass
    else:
        raise AssertionError("the insert of a delivery for a missing activity succeeded")
    assert await Delivery.all().count() == 0
