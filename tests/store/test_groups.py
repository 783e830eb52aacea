"""Run groups: the shards of a sharded organization scan, on SQLite and PostgreSQL (the `url` fixture)."""

from __future__ import annotations

import datetime as dt
import os
import zlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from checks.errors import InputError
from checks.store import open_store
from checks.store.groups import (
    ShardRecord,
    latest_complete_group,
    list_groups,
    load_group,
    record_shard,
)
from checks.store.store import Store
from tests.store.helpers import T0

ORG = "organization o-abc123 (eu-west-1, us-east-1)"


def shard(index: int, count: int = 3, group: str = "gh-4711.1", payload: bytes | None = None,
          target: str = ORG) -> ShardRecord:
    return ShardRecord(run_group=group, index=index, count=count, target=target,
                       started_at=T0 + dt.timedelta(minutes=index), tool_version="1.0.0",
                       payload=payload if payload is not None else zlib.compress(f'{{"shard": {index}}}'.encode()))


def refusal(call: object, *args: object) -> InputError:
    with pytest.raises(InputError) as err:
        call(*args)  # type: ignore[operator]
    assert "\n" not in str(err.value)
    return err.value


def stored_shards(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT run_group, shard_index, shard_count, payload FROM shards ORDER BY run_group, shard_index"))]
    finally:
        engine.dispose()


def test_a_group_lists_its_shards_by_index_and_names_the_missing_ones(url: str) -> None:
    with open_store(url) as store:
        record_shard(store, shard(3))
        record_shard(store, shard(1))
        group = load_group(store, "gh-4711.1")
    assert (group.run_group, group.count, group.missing, group.complete) == ("gh-4711.1", 3, (2,), False)
    assert [s.index for s in group.shards] == [1, 3]
    first = group.shards[0]
    assert zlib.decompress(first.payload) == b'{"shard": 1}'
    assert (first.target, first.tool_version, first.count, first.started_at) == (ORG, "1.0.0", 3,
                                                                                 T0 + dt.timedelta(minutes=1))
    assert first.recorded_at is not None and first.recorded_at.tzinfo is not None
    assert (group.target, group.started_at) == (ORG, T0 + dt.timedelta(minutes=1))


def test_a_retried_shard_replaces_its_earlier_row(url: str) -> None:
    with open_store(url) as store:
        record_shard(store, shard(1, count=2, payload=b"first attempt"))
        record_shard(store, shard(2, count=2))
        record_shard(store, shard(1, count=2, payload=b"second attempt"))
        group = load_group(store, "gh-4711.1")
    assert group.complete and [s.index for s in group.shards] == [1, 2]
    assert group.shards[0].payload == b"second attempt"
    assert len(stored_shards(url)) == 2


def test_a_shard_with_another_count_is_refused_and_nothing_is_recorded(url: str) -> None:
    with open_store(url) as store:
        record_shard(store, shard(1, count=3, payload=b"kept"))
        before = stored_shards(url)
        err = refusal(record_shard, store, shard(2, count=4))
        assert str(err) == ("--shard: run group gh-4711.1 was started with 3 shards, this shard says 4 (give every "
                            "shard of a group the same N in --shard K/N, or a new --run-group)")
        err = refusal(record_shard, store, shard(1, count=2, payload=b"replaced?"))   # a retry cannot change N
        assert "was started with 3 shards, this shard says 2" in str(err)
        assert stored_shards(url) == before
        record_shard(store, shard(2, count=3, group="another"))   # another group may have its own count
        record_shard(store, shard(1, count=5, group="other"))
    assert [(g, i, n) for g, i, n, _ in stored_shards(url)] == [("another", 2, 3), ("gh-4711.1", 1, 3),
                                                                 ("other", 1, 5)]


def test_a_shard_of_another_target_is_refused(url: str) -> None:
    with open_store(url) as store:
        record_shard(store, shard(1))
        err = refusal(record_shard, store, shard(2, target="organization o-zzz999 (eu-west-1)"))
    assert str(err) == ("--run-group: run group gh-4711.1 scans organization o-abc123 (eu-west-1, us-east-1), this "
                        "shard scans organization o-zzz999 (eu-west-1) (give every shard of a group the same "
                        "accounts and regions, or a new --run-group)")


@pytest.mark.parametrize("group", ["", "a" * 129, "has space", "x/y", "semi;colon", "caf\u00e9", "new\nline"])
def test_an_invalid_group_id_is_refused(tmp_path: Path, group: str) -> None:
    with open_store(f"sqlite:///{tmp_path / 'h.db'}") as store:
        for call, arg in ((record_shard, shard(1, group=group)), (load_group, group)):
            err = refusal(call, store, arg)
            assert err.where == "--run-group"
            assert err.hint == "1 to 128 characters, each a letter, a digit or one of . _ : -"
            assert err.message == f"not a valid run group id: {group!r}"


def test_the_longest_and_most_varied_group_ids_are_accepted(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'h.db'}") as store:
        for group in ("a" * 128, "gh-123456789.3:attempt_2", "K8S.job-0"):
            record_shard(store, shard(1, count=1, group=group))
            assert load_group(store, group).complete


@pytest.mark.parametrize(("index", "count"), [(0, 3), (4, 3), (-1, 3), (1, 0)])
def test_an_index_outside_1_to_count_is_refused(tmp_path: Path, index: int, count: int) -> None:
    with open_store(f"sqlite:///{tmp_path / 'h.db'}") as store:
        err = refusal(record_shard, store, shard(index, count=count))
    assert str(err) == (f"--shard: shard {index}/{count} is not a shard of the group (give K/N with 1 <= K <= N, "
                        "e.g. 2/3 for the second of three shards)")


def test_started_at_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        ShardRecord(run_group="g", index=1, count=1, target=ORG, started_at=dt.datetime(2025, 3, 1),
                    tool_version="1", payload=b"")


def test_an_unknown_group_is_refused_naming_the_stored_ones(url: str) -> None:
    with open_store(url) as store:
        err = refusal(load_group, store, "nope")
        assert str(err) == f"{store.url}: no shard of run group nope is stored (no run group is stored yet)"
        record_shard(store, shard(1, count=2, group="g1"))
        record_shard(store, shard(1, count=1, group="g2"))
        err = refusal(load_group, store, "nope")
    assert str(err).endswith("no shard of run group nope is stored (the latest run groups stored: "
                             "g2 (1 of 1 shards), g1 (1 of 2 shards))")


def test_the_latest_complete_group_is_chosen_by_its_latest_recorded_shard(url: str) -> None:
    with open_store(url) as store:
        record_shard(store, shard(1, count=2, group="a"))
        record_shard(store, shard(2, count=2, group="a"))
        record_shard(store, shard(1, count=1, group="c"))
        record_shard(store, shard(1, count=2, group="b"))       # the latest, but incomplete
        latest = latest_complete_group(store)
        assert (latest.run_group, latest.complete, [s.index for s in latest.shards]) == ("c", True, [1])
        record_shard(store, shard(2, count=2, group="a"))       # a retried shard of group a
        assert latest_complete_group(store).run_group == "a"
        record_shard(store, shard(2, count=2, group="b"))
        assert latest_complete_group(store).run_group == "b"


def test_without_a_complete_group_the_incomplete_ones_are_named(url: str) -> None:
    with open_store(url) as store:
        err = refusal(latest_complete_group, store)
        assert str(err) == (f"{store.url}: no run group is stored (record one with clearance scan --organization "
                            "--shard K/N --run-group ID --store URL)")
        for n in range(7):
            record_shard(store, shard(1, count=3, group=f"g{n}"))
        record_shard(store, shard(3, count=3, group="g0"))
        err = refusal(latest_complete_group, store)
    assert str(err) == (f"{store.url}: no run group is complete: g0 (2 of 3 shards), g6 (1 of 3 shards), "
                        "g5 (1 of 3 shards), g4 (1 of 3 shards), g3 (1 of 3 shards) and 2 more (wait for the "
                        "missing shards, or give --run-group ID to report one incomplete)")


def test_list_groups_gives_the_latest_first_without_payloads(url: str) -> None:
    with open_store(url) as store:
        assert list_groups(store) == []
        record_shard(store, shard(2, count=3, group="old"))
        record_shard(store, shard(1, count=1, group="mid"))
        record_shard(store, shard(1, count=3, group="old"))
        record_shard(store, shard(1, count=2, group="new", target="organization o-abc123 (eu-west-1)"))
        summaries = list_groups(store)
        assert [s.run_group for s in list_groups(store, limit=2)] == ["new", "old"]
        group = load_group(store, "old")
    assert [(s.run_group, s.count, s.reported, s.complete) for s in summaries] == [
        ("new", 2, 1, False), ("old", 3, 2, False), ("mid", 1, 1, True)]
    old = summaries[1]
    assert old.target == ORG
    recorded = [s.recorded_at for s in group.shards]      # index 1 was recorded after index 2
    assert (old.first_recorded, old.last_recorded) == (recorded[1], recorded[0])
    assert old.first_recorded < old.last_recorded < summaries[0].last_recorded


def test_a_payload_of_5_mb_is_stored_and_returned_as_is(url: str) -> None:
    payload = os.urandom(5 * 2**20)
    with open_store(url) as store:
        record_shard(store, shard(1, count=1, payload=payload))
        assert load_group(store, "gh-4711.1").shards[0].payload == payload
    with open_store(url) as store:
        assert latest_complete_group(store).shards[0].payload == payload


def test_a_failure_while_replacing_a_shard_keeps_the_earlier_row(url: str) -> None:
    with open_store(url) as store:
        record_shard(store, shard(1, payload=b"earlier"))

        def explode(conn: object, cursor: object, statement: str, *args: object) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO SHARDS"):
                raise RuntimeError("killed while recording the shard")

        event.listen(store.engine, "before_cursor_execute", explode)
        with pytest.raises(RuntimeError, match="killed while recording the shard"):
            record_shard(store, shard(1, payload=b"later"))
        event.remove(store.engine, "before_cursor_execute", explode)
        assert [s.payload for s in load_group(store, "gh-4711.1").shards] == [b"earlier"]


def test_a_database_error_is_one_line_naming_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    with open_store(url) as store:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE shards"))
        engine.dispose()
        assert str(refusal(record_shard, store, shard(1))) == (
            f"{url}: could not record the shard: no such table: shards (nothing was recorded; check the store "
            "and run again)")
        for call, args in ((load_group, ("g",)), (latest_complete_group, ()), (list_groups, ())):
            assert str(refusal(call, store, *args)) == (
                f"{url}: could not read the store: no such table: shards (check the store and run again)")


def test_a_store_password_never_shows_in_an_error() -> None:
    store = Store(create_engine("sqlite://"), "postgresql+psycopg://clearance:hunter22@db.example/history")
    err = refusal(load_group, store, "g")
    assert "hunter22" not in str(err)
    assert str(err).startswith("postgresql+psycopg://clearance:***@db.example/history: could not read the store: ")
