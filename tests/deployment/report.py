"""What the soak saw, checked against the database and the mail sink, and printed.

`saves`: each respondent's attempted saves against the answers stored;
`mail`: the outbox against the Message-IDs the sink recorded;
`latency_table`: p50/p95/p99 of the requests started in each window of the soak.
Each check returns the lines to print and the problems found (empty: it holds).
"""

from __future__ import annotations

import collections
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.deployment.clients import Attempt, Log, Sample

UNSEEN = (502, 504)


@dataclass
class Window:
    name: str
    start: float
    end: float


def engine_for(url: str) -> Any:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"), poolclass=NullPool)


def saves(url: str, log: Log) -> tuple[list[str], list[str]]:
    """Every acknowledged save is stored, and nothing the server refused is.

    Per invitation, with its attempts in order (values strictly increasing):
    the stored `visits` is the last acknowledged value, or a value sent after it whose
    answer never reached the client (`unseen`); never an older value (a lost save) nor
    a value the server answered as not saved (`refused`). The stored version counts the
    committed saves: at least the acknowledged ones, at most those plus the unseen ones.
    The note written with each value is the one stored with it (one transaction).
    """
    engine = engine_for(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT invitation_id, question_key, value, version FROM answers")
        ).all()
        states = dict(connection.execute(text("SELECT id, state FROM invitations")).all())
    engine.dispose()
    stored: dict[int, dict[str, tuple[Any, int]]] = collections.defaultdict(dict)
    for invitation_id, key, value, version in rows:
        stored[invitation_id][key] = (value, version)
    by_invitation: dict[int, list[Attempt]] = collections.defaultdict(list)
    for attempt in log.attempts:
        by_invitation[attempt.invitation_id].append(attempt)
    problems = []
    outcomes = collections.Counter(a.outcome for a in log.attempts)
    for invitation_id, attempts in by_invitation.items():
        problems += _check_invitation(invitation_id, attempts, stored.get(invitation_id, {}))
    unacknowledged = [i for i in stored if i not in by_invitation]
    problems += [f"invitation {i}: answers stored that no client sent" for i in unacknowledged]
    not_submitted = sorted(i for i in log.submitted if states.get(i) != "submitted")
    if not_submitted:
        problems.append(f"acknowledged submits not stored as submitted: {not_submitted[:10]}")
    submitted = sum(1 for state in states.values() if state == "submitted")
    lines = [
        f"saves attempted {len(log.attempts)}: acknowledged {outcomes['saved']}, refused "
        f"{outcomes['refused']} (the server said not saved), unseen {outcomes['unseen']} "
        f"(no answer reached the client)",
        f"invitations answered {len(by_invitation)}, with answers stored {len(stored)}; "
        f"submits acknowledged {len(log.submitted)}, stored as submitted {submitted}",
        f"lost acknowledged saves: {sum('LOST' in p for p in problems)}; "
        f"refused saves found committed: {sum('REFUSED' in p for p in problems)}",
    ]
    return lines, problems


def _check_invitation(
    invitation_id: int, attempts: list[Attempt], stored: dict[str, tuple[Any, int]]
) -> list[str]:
    saved = [n for n, a in enumerate(attempts) if a.outcome == "saved"]
    last = saved[-1] if saved else -1
    allowed = {attempts[last].value} if saved else set()
    allowed |= {a.value for a in attempts[last + 1 :] if a.outcome == "unseen"}
    value, version = stored.get("visits", (None, 0))
    where = f"invitation {invitation_id}"
    if value is None:
        if saved:
            return [f"{where}: LOST, acknowledged {attempts[last].value}, nothing stored"]
        return []
    problems = []
    if value not in allowed:
        refused = {a.value for a in attempts if a.outcome == "refused"}
        kind = "REFUSED save committed" if value in refused else "LOST or unexpected"
        expected = attempts[last].value if saved else None
        problems.append(f"{where}: {kind}: stored {value}, last acknowledged {expected}")
    unseen = sum(a.outcome == "unseen" for a in attempts)
    if not len(saved) <= version <= len(saved) + unseen:
        problems.append(
            f"{where}: version {version} for {len(saved)} acknowledged and {unseen} unseen saves"
            " (a REFUSED save committed, or a LOST one)"
        )
    if stored.get("note", (None, 0))[0] != f"n{value}":
        problems.append(f"{where}: note {stored.get('note')} not saved with visits {value}")
    return problems


def mail(url: str, received_log: Path) -> tuple[list[str], list[str]]:
    """Every queued message was sent, and the sink received each Message-ID exactly once;
    except reminders the worker cancelled because their respondent finished (submitted,
    declined, bounced) or their round closed before they went out, which must never arrive."""
    engine = engine_for(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT o.message_id, o.state, o.attempts, o.kind, i.state, r.state"
                " FROM outbox_messages o"
                " LEFT JOIN invitations i ON i.id = o.invitation_id"
                " LEFT JOIN rounds r ON r.id = i.round_id"
            )
        ).all()
    engine.dispose()
    received = collections.Counter(
        line.split("\t")[0] for line in received_log.read_text().splitlines() if line.strip()
    )
    states = collections.Counter(row[1] for row in rows)
    rightly_cancelled = {
        message_id
        for message_id, state, _, kind, invitation, round_state in rows
        if state == "cancelled"
        and kind == "reminder"
        and (invitation in ("submitted", "declined", "bounced") or round_state != "open")
    }
    queued = {row[0] for row in rows} - rightly_cancelled
    rows = [(row[0], row[1], row[2]) for row in rows]
    problems = []
    if set(states) - {"sent", "cancelled"} or states["cancelled"] != len(rightly_cancelled):
        problems.append(f"messages not sent: {dict(states)}")
    arrived = [m for m in rightly_cancelled if received[m]]
    if arrived:
        problems.append(f"{len(arrived)} cancelled reminders were received, e.g. {arrived[:3]}")
    missing = [m for m in queued if received[m] == 0]
    twice = {m: n for m, n in received.items() if n > 1}
    strangers = [m for m in received if m not in queued and m not in rightly_cancelled]
    if missing:
        problems.append(f"{len(missing)} queued messages never received, e.g. {missing[:3]}")
    if twice:
        problems.append(f"{len(twice)} messages received more than once: {list(twice.items())[:5]}")
    if strangers:
        problems.append(f"{len(strangers)} messages received that were never queued")
    retried = sum(1 for _, _, attempts in rows if attempts > 1)
    lines = [
        f"mail queued {len(rows)}, states {dict(states)} (cancelled reminders of respondents "
        f"who finished first: {len(rightly_cancelled)}), received {sum(received.values())} "
        f"(distinct Message-IDs {len(received)}), received twice {len(twice)}, "
        f"never received {len(missing)}; sent after more than one attempt {retried}"
    ]
    return lines, problems


def _percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def nodes(access_log: Path, ports: tuple[int, int]) -> list[tuple[float, str]]:
    """From nginx's log: when each request ended (time.monotonic) and who answered it:
    "A" or "B", or "A>B" when nginx passed it on from the first to the second."""
    names = {f"127.0.0.1:{ports[0]}": "A", f"127.0.0.1:{ports[1]}": "B"}
    offset = time.time() - time.monotonic()
    found = []
    for line in access_log.read_text().splitlines():
        moment, _, rest = line.partition(" ")
        upstreams = rest.partition(" ")[2].strip('"').split(", ")
        found.append((float(moment) - offset, ">".join(names.get(u, "-") for u in upstreams)))
    return found


def latency_table(
    samples: Iterable[Sample], windows: list[Window], served: list[tuple[float, str]]
) -> list[str]:
    """A row per window: requests, p50/p95/p99 in ms, 503s, unseen answers, other failures,
    and which node answered (A, B; passed on from a failing node to the other).

    A request counts in the window in which it ended: one cut short by a fault is the
    fault's."""
    samples = list(samples)
    lines = [
        f"{'window':<26}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'503':>6}{'unseen':>8}{'5xx other':>10}{'node A':>8}{'node B':>8}{'passed on':>10}"
    ]
    for window in windows:
        inside = [s for s in samples if window.start <= s.start + s.seconds < window.end]
        by_node = collections.Counter(n for t, n in served if window.start <= t < window.end)
        times = sorted(1000 * s.seconds for s in inside)
        statuses = collections.Counter(s.status for s in inside)
        unseen = sum(
            n for status, n in statuses.items() if status in UNSEEN or isinstance(status, str)
        )
        other = sum(
            n
            for status, n in statuses.items()
            if isinstance(status, int) and status >= 500 and status not in (503, *UNSEEN)
        )
        lines.append(
            f"{window.name:<26}{len(inside):>9}{_percentile(times, 0.5):>9.0f}"
            f"{_percentile(times, 0.95):>9.0f}{_percentile(times, 0.99):>9.0f}"
            f"{statuses[503]:>6}{unseen:>8}{other:>10}{by_node['A']:>8}{by_node['B']:>8}"
            f"{sum(n for k, n in by_node.items() if '>' in k):>10}"
        )
    return lines


def process_logs(folder: Path) -> tuple[list[str], list[str]]:
    """What the nodes and mail workers logged: throttle store failures (Redis away), database
    outages met, mail batches; and which logs hold a traceback (an error nobody handled)."""
    lines, tracebacks = [], []
    for name in ("app_a", "app_b", "mail_1", "mail_2"):
        path = folder / f"{name}.log"
        content = path.read_text(errors="replace") if path.exists() else ""
        if "Traceback" in content:
            tracebacks.append(name)
        lines.append(
            f"{name} log: throttle store failed {content.count('its store failed')}, database"
            f" unavailable {content.count('database unavailable')}, mail batch lines"
            f" {content.count(', retried ')}, tracebacks {content.count('Traceback')}"
        )
    return lines, tracebacks


def statuses(samples: Iterable[Sample]) -> collections.Counter:
    return collections.Counter(s.status for s in samples)
