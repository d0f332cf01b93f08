"""The freshness bench's matching: each commit against the first census that reflects it."""

from __future__ import annotations

import pytest

from bench.latency import freshness


def commit(kind: str, key: str, bed: str | None, at: float) -> dict[str, object]:
    return {"kind": kind, "key": key, "bed": bed, "committed": at}


def test_each_change_is_timed_to_the_first_census_that_shows_it() -> None:
    """A census received after the commit that still shows the old state does not count; the next one does."""
    censuses = [
        (100.0, {"1": "A", "2": "B"}),
        (105.0, {"1": "A", "2": "B"}),  # captured before the commits below
        (111.0, {"2": "C", "3": "D"}),
    ]
    changes = [
        commit("discharge", "1", None, 104),
        commit("transfer", "2", "C", 104.5),
        commit("admission", "3", "D", 110),
    ]
    found = freshness(changes, censuses)
    assert found.seconds == [7.0, 6.5, 1.0]
    assert found.unseen == 0
    assert found.percentile(0.5) == 6.5 and found.percentile(0.95) == 7.0


def test_a_change_no_census_showed_is_counted_apart() -> None:
    """A transfer undone by a discharge before any census, or a change after the last census: unseen, not timed."""
    censuses = [(100.0, {"1": "A"}), (130.0, {})]
    found = freshness([commit("transfer", "1", "B", 101), commit("admission", "9", "Z", 131)], censuses)
    assert found.seconds == [] and found.unseen == 2
    assert found.summary()["samples"] == 0
    assert found.percentile(0.95) != found.percentile(0.95)  # NaN without samples


@pytest.mark.parametrize(("share", "expected"), [(0.5, 10), (0.95, 19), (1.0, 20)])
def test_nearest_rank_percentiles(share: float, expected: float) -> None:
    """Nearest rank over 20 samples: p50 is the 10th, p95 the 19th."""
    censuses = [(float(t), {"k": str(t)}) for t in range(1, 41)]
    commits = [commit("transfer", "k", str(n), 0.0) for n in range(1, 21)]
    assert freshness(commits, censuses).percentile(share) == expected
