"""The deployment test's data: a study, its researcher, rounds of pairs and their links.

The schema is made by `survey db upgrade` (the stack's `survey` command, as an operator
runs it); the study is written through the services, in this process, with the
deployment's own link key and base URL so that the links are the ones the nodes accept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from tests.deployment.stack import HERE, Stack

STUDY = "soak"
QUESTIONNAIRE = HERE / "soak.yaml"


@dataclass
class Seeded:
    """What the clients need: the researcher's login, the rounds and every respondent link."""

    email: str
    password: str
    rounds: list[str]
    links: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # round: (id, path)

    def all_links(self) -> list[tuple[int, str]]:
        return [link for slug in self.rounds for link in self.links[slug]]


def seed(stack: Stack, rounds: int, pairs_per_round: int) -> Seeded:
    """Rounds `r0`… of `pairs_per_round` pairs each, open, with a respondent per side."""
    import survey
    from survey.accounts import services as accounts
    from survey.core.loader import load_file
    from survey.db import db, writing
    from survey.questionnaires import services as questionnaires
    from survey.rounds import services as round_services
    from survey.studies import services as studies
    from survey.studies.models import Pair, PairSide, Respondent

    stack.survey("db", "upgrade")
    env = stack.env
    app = survey.create_app(
        {
            "DATABASE_URL": env["SURVEY_DATABASE_URL"],
            "SECRET_KEY": env["SURVEY_SECRET_KEY"],
            "LINK_KEY": env["SURVEY_LINK_KEY"],
            "BASE_URL": env["SURVEY_BASE_URL"],
        }
    )
    seeded = Seeded("researcher@example.org", secrets.token_urlsafe(18), [])
    with app.app_context(), writing():
        session = db.session
        owner = accounts.create_user(session, seeded.email, seeded.password)
        study = studies.create_study(session, STUDY, [("us", "en"), ("cn", "zh-Hans")], owner=owner)
        q = load_file(Path(QUESTIONNAIRE))
        questionnaires.import_questionnaire(session, q, study=study)
        for number in range(rounds):
            codes = []
            for n in range(pairs_per_round):
                code = f"p{number}-{n}"
                codes.append(code)
                pair = Pair(study_id=study.id, code=code, kind="city", attributes={})
                session.add(pair)
                session.flush()
                for side in study.sides:
                    pair_side = PairSide(
                        pair_id=pair.id, side_id=side.id, place_en="Boulder", place_zh="博尔德"
                    )
                    session.add(pair_side)
                    session.flush()
                    session.add(
                        Respondent(
                            pair_side_id=pair_side.id,
                            name=f"R {code} {side.code}",
                            email=f"{code}-{side.code}@example.org",
                            language=side.default_language,
                        )
                    )
            session.flush()
            slug = f"r{number}"
            round_ = round_services.create_round(session, study, slug, q.key, pair_codes=codes)
            round_services.set_state(session, round_, "open")
            round_services.ensure_invitations(session, round_)
            seeded.rounds.append(round_.slug)
            seeded.links[round_.slug] = [
                (row.invitation.id, _path(round_services.link_of(row.invitation)))
                for row in round_services.invitation_rows(session, round_)
            ]
        session.commit()
        db.session.remove()
    db.engine.dispose()
    return seeded


def _path(link: str) -> str:
    return link[link.index("/r/") :]
