"""The worker processes of a rebuild's analysis (indexer/pool.py)."""

from __future__ import annotations

from indexer import pool
from indexer.tantivy_engine import analysed, analysed_many
from tests.test_filing_workers import survivors_of_a_kill

WRITER = """
import multiprocessing, sys, time
from indexer import pool
from indexer.tantivy_engine import analysed_many
ordered = pool.Ordered(analysed_many)
for n in range(pool.CHUNK):
    list(ordered.put({"id": str(n), "body": "canteen " * 50000}))
time.sleep(1)
print(*[p.pid for p in multiprocessing.active_children()], flush=True)
time.sleep(60)
"""


def test_results_come_back_in_the_order_put():
    ordered = pool.Ordered(analysed_many)
    items = [{"id": str(n), "body": f"第{n}号 notice {n}"} for n in range(pool.CHUNK * 3 + 5)]
    try:
        taken = [pair for item in items for pair in ordered.put(item)]
        taken += list(ordered.drain())
    finally:
        ordered.close()
    assert [item for item, _made in taken] == items
    assert [made for _item, made in taken] == [analysed(item) for item in items]


def test_a_writer_killed_leaves_no_worker_behind():
    assert not survivors_of_a_kill(WRITER)
