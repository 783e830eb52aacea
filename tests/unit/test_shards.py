"""`--shard K/N`: deterministic, balanced and stable shares of an organization scan's units."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from checks.errors import InputError
from checks.org.shards import Shard, Unit, assign, parse_shard, select

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ("eu-west-1", "us-east-1")
SERVICES = tuple(f"service{i:02d}" for i in range(30))


def org(accounts: list[str], regions: tuple[str, ...] = REGIONS, services: tuple[str, ...] = SERVICES) -> list[Unit]:
    return [Unit(a, r, s) for a in accounts for r in regions for s in services]


def account_ids(n: int, start: int = 0) -> list[str]:
    return [f"{100000000000 + 7919 * i:012d}" for i in range(start, start + n)]


def random_units(rng: random.Random, n: int) -> list[Unit]:
    regions: list[str | None] = [None, "eu-west-1", "eu-central-1", "us-east-1", "ap-south-1"]
    found = {Unit(f"{rng.randrange(10**12):012d}", rng.choice(regions), f"svc{rng.randrange(40)}") for _ in range(n)}
    return sorted(found)


def moved(before: dict[Unit, int], after: dict[Unit, int]) -> float:
    common = [u for u in before if u in after]
    return sum(before[u] != after[u] for u in common) / len(common)


# --- Unit, Shard, parse_shard ---------------------------------------------------------------------------------

def test_unit_key_names_global_collectors() -> None:
    assert Unit("123456789012", "eu-west-1", "ec2_compute").key() == "123456789012/eu-west-1/ec2_compute"
    assert Unit("123456789012", None, "iam").key() == "123456789012/global/iam"


def test_units_sort_with_global_first() -> None:
    units = [Unit("2", "eu-west-1", "b"), Unit("1", "us-east-1", "a"), Unit("2", None, "z"),
             Unit("2", "eu-west-1", "a")]
    assert sorted(units) == [Unit("1", "us-east-1", "a"), Unit("2", None, "z"), Unit("2", "eu-west-1", "a"),
                             Unit("2", "eu-west-1", "b")]
    assert Unit("1", None, "a") < Unit("1", "eu-west-1", "a") <= Unit("1", "eu-west-1", "a")


@pytest.mark.parametrize(("text", "index", "count"), [("2/3", 2, 3), (" 1 / 1 ", 1, 1), ("1000/1000", 1000, 1000),
                                                      ("03/10", 3, 10)])
def test_parse_shard(text: str, index: int, count: int) -> None:
    shard = parse_shard(text)
    assert shard == Shard(index, count)
    assert str(shard) == f"{index}/{count}"


@pytest.mark.parametrize(("text", "message"), [
    ("4/3", "--shard 4/3: K must be between 1 and N (the shards are 1/3 to 3/3)"),
    ("0/3", "--shard 0/3: K must be between 1 and N"),
    ("1/0", "--shard 1/0: N must be between 1 and 1000"),
    ("1/1001", "--shard 1/1001: N must be between 1 and 1000"),
    ("2", "--shard 2: expected K/N, e.g. 2/3"),
    ("a/b", "--shard a/b: expected K/N, e.g. 2/3"),
    ("-1/3", "--shard -1/3: expected K/N, e.g. 2/3"),
    ("1/2/3", "--shard 1/2/3: expected K/N, e.g. 2/3"),
    ("", "--shard: expected K/N, e.g. 2/3"),
    ("\u0661/\u0662", "expected K/N"),  # Arabic-Indic digits are not K/N
])
def test_parse_shard_refuses(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_shard(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.where is not None and caught.value.where.startswith("--shard")


def test_shard_refuses_impossible_values() -> None:
    with pytest.raises(ValueError, match="4/3"):
        Shard(4, 3)
    with pytest.raises(ValueError):
        Shard(1, 1001)
    with pytest.raises(ValueError):
        assign([], 0)


# --- assign / select ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_shards_cover_every_unit_once_and_balance(count: int) -> None:
    rng = random.Random(count)
    for n in (0, 1, count - 1, count, 7, 61, 200, rng.randrange(300)):
        units = random_units(rng, n)
        shares = [select(units, Shard(k, count)) for k in range(1, count + 1)]
        together = Counter(u for share in shares for u in share)
        assert together == Counter(units)  # every unit exactly once
        sizes = [len(share) for share in shares]
        assert max(sizes) - min(sizes) <= 1, (n, sizes)


def test_balanced_for_an_organization_of_uneven_size() -> None:
    units = org(account_ids(7), services=SERVICES[:11]) + [Unit(a, None, "iam") for a in account_ids(7)]
    for count in range(1, 20):
        sizes = Counter(assign(units, count).values())
        assert set(sizes) <= set(range(1, count + 1))
        assert max(sizes.values()) - min(sizes.values()) <= 1 and sum(sizes.values()) == len(units)


def test_select_keeps_the_given_order() -> None:
    units = org(account_ids(3))
    random.Random(5).shuffle(units)
    share = select(units, Shard(2, 3))
    assert share == [u for u in units if u in set(share)] and len(share) == len(units) // 3


def test_assignment_does_not_depend_on_input_order_or_duplicates() -> None:
    units = org(account_ids(5))
    expected = assign(units, 3)
    rng = random.Random(11)
    for _ in range(5):
        shuffled = list(units)
        rng.shuffle(shuffled)
        assert assign(shuffled, 3) == expected
    assert assign(units + units[:40], 3) == expected  # a unit listed twice is still one unit


def test_assignment_is_the_same_in_another_process() -> None:
    """No salted hash(): a fresh interpreter with another PYTHONHASHSEED assigns the same shards."""
    units = org(account_ids(2), services=SERVICES[:5])
    script = ("from checks.org.shards import Unit, assign\n"
              f"units = {[(u.account, u.region, u.service) for u in units]!r}\n"
              "a = assign([Unit(*t) for t in units], 3)\n"
              "print([a[Unit(*t)] for t in units])\n")
    env = {"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    here = assign(units, 3)
    assert out.stdout.strip() == str([here[u] for u in units])


def test_known_assignment_does_not_change() -> None:
    """Pinned: the shards one release computes, the next must compute too (a runner's shards may mix versions)."""
    units = [Unit("123456789012", None, "iam"), Unit("123456789012", "eu-west-1", "ec2_compute"),
             Unit("123456789012", "eu-west-1", "s3"), Unit("210987654321", "us-east-1", "rds"),
             Unit("210987654321", None, "s3"), Unit("210987654321", "us-east-1", "lambda")]
    assert [assign(units, 2)[u] for u in units] == [1, 1, 1, 2, 2, 2]
    assert [assign(units, 3)[u] for u in units] == [1, 1, 3, 2, 2, 3]


@pytest.mark.parametrize("count", [2, 3, 5])
def test_adding_or_removing_an_account_moves_few_units(count: int) -> None:
    """20 accounts x 2 regions x 30 services. Measured moved fractions of the other accounts' units (add / remove
    one account): 0.4% / 0.3% for 2 shards, 0.4% / 0.3% for 3, 1.2% / 0.4% for 5. Plain modulo hashing would move
    ~(N-1)/N of them when N changes, and a sorted split would shift every account after the changed one."""
    accounts = account_ids(20)
    before = assign(org(accounts), count)
    added = assign(org([*accounts, "999999999999"]), count)
    removed = assign(org(accounts[:7] + accounts[8:]), count)
    assert moved(before, added) < 0.05
    assert moved(before, removed) < 0.05
    for result in (added, removed):  # still balanced
        sizes = Counter(result.values()).values()
        assert max(sizes) - min(sizes) <= 1
