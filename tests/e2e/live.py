"""A real server for the respondent flow: a scratch database with real commits, served on loopback.

Used by the concurrency tests, the log-redaction test and the browser tests. The
Flask test client shares one connection and rolls everything back, so it cannot
show what parallel requests do; this serves the app with `werkzeug.serving.make_server`
in a thread, on its own SQLite file or a scratch PostgreSQL database next to the
test database (created and dropped here).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from survey.core.loader import load_file
from survey.db import db, writing
from survey.questionnaires import services as questionnaires
from survey.rounds import services as rounds
from survey.studies import services as studies
from survey.studies.models import Pair, PairSide, Respondent
from tests.fixtures.database import TEST_DATABASE_URL, build_schema
from tests.fixtures.web import SECRET

ROOT = Path(__file__).resolve().parents[2]
SISTER_CITIES = ROOT / "questionnaires" / "sister-cities.yaml"
MINI = ROOT / "tests" / "fixtures" / "questionnaires" / "mini.yaml"
BACKENDS = ["sqlite", "postgresql"]
STUDY_TITLE = {
    "en": "Sino-U.S. sister city relationships",
    "zh-Hans": "中美友好城市关系研究",
    "zh-Hant": "美中姊妹市關係研究",
}
SIDE_LABELS = {
    "us": {"en": "U.S. side", "zh-Hans": "美方", "zh-Hant": "美方"},
    "cn": {"en": "Chinese side", "zh-Hans": "中方", "zh-Hant": "中方"},
}


@dataclass
class Link:
    """One invitation of the seeded round."""

    invitation_id: int
    side: str
    url: str


@dataclass
class Live:
    """The served app, its base URL and the seeded links."""

    app: Flask
    url: str
    links: list[Link] = field(default_factory=list)

    def path(self, link: Link) -> str:
        return link.url[link.url.index("/r/") :]


@contextlib.contextmanager
def scratch_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of `backend`; PostgreSQL ones are dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.sqlite'}"
        build_schema(url)
        yield url
        return
    if not TEST_DATABASE_URL:
        import pytest

        pytest.skip("needs SURVEY_TEST_DATABASE_URL (PostgreSQL)")
    name = f"survey_live_{secrets.token_hex(4)}"
    admin = make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    engine = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        build_schema(url)
        yield url
    finally:
        db.engine.dispose() if db.engine is not None and db.url == url else None
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def seed(
    questionnaire: Path = MINI, *, pairs: int = 1, sides=(("us", "en"), ("cn", "zh-Hans"))
) -> list[Link]:
    """A study, `pairs` pairs with a respondent per side, an open round; returns the links."""
    session = db.session
    owner = _owner(session)
    study = studies.create_study(
        session,
        f"live-{secrets.token_hex(3)}",
        list(sides),
        owner=owner,
        title="Sister city relationships 2009",
    )
    study.title = dict(STUDY_TITLE)
    for side in study.sides:
        side.label = dict(SIDE_LABELS.get(side.code, {"en": side.code.upper()}))
    q = load_file(questionnaire)
    questionnaires.import_questionnaire(session, q, study=study)
    for number in range(pairs):
        _pair(session, study, f"pair-{number + 1}")
    round_ = rounds.create_round(session, study, "Wave 1", q.key)
    rounds.set_state(session, round_, "open")
    rounds.ensure_invitations(session, round_)
    return [
        Link(row.invitation.id, row.side.code, rounds.link_of(row.invitation))
        for row in rounds.invitation_rows(session, round_)
    ]


def _owner(session):  # noqa: ANN001, ANN202
    from survey.accounts import services as accounts

    return accounts.create_user(
        session, f"owner-{secrets.token_hex(3)}@example.org", "correct horse battery staple"
    )


def _pair(session, study, code: str) -> None:  # noqa: ANN001
    pair = Pair(study_id=study.id, code=code, kind="city", established=1986, attributes={})
    session.add(pair)
    session.flush()
    places = {"us": ("Boulder", "博尔德"), "cn": ("Lhasa", "拉萨")}
    for side in study.sides:
        english, chinese = places.get(side.code, (f"{side.code} city", "城市"))
        pair_side = PairSide(
            pair_id=pair.id,
            side_id=side.id,
            place_en=english,
            place_zh=chinese,
            region="",
            organization=f"{english} office",
        )
        session.add(pair_side)
        session.flush()
        session.add(
            Respondent(
                pair_side_id=pair_side.id,
                name=f"{side.code} respondent",
                email=f"{code}.{side.code}@example.org",
                language=side.default_language,
                is_primary=True,
            )
        )
    session.flush()


@contextlib.contextmanager
def serve(url: str, restore_url: str | None = None, **config) -> Iterator[Live]:  # noqa: ANN003
    """Serve a new app on `url` from a thread; the global database binding is restored after."""
    import survey  # looked up at call time: the factory in use now

    server = make_server("127.0.0.1", 0, None, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app = survey.create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET, "BASE_URL": base, **config}
    )
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(app, base)
    finally:
        server.shutdown()
        server.server_close()
        db.session.remove()
        if restore_url:
            db.configure(restore_url)


def seed_into(live: Live, questionnaire: Path = MINI, **kwargs) -> list[Link]:  # noqa: ANN003
    """Seed the live app's database (committed) and remember the links."""
    with live.app.app_context(), writing():
        links = seed(questionnaire, **kwargs)
        db.session.commit()
        db.session.remove()
    live.links.extend(links)
    return links
