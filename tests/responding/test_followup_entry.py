"""Interviewer entry of a follow-up round (telephone, e-mail, paper): only the asked
questions, pre-filled with the side's own earlier answer, with what each is based on;
saving resolves or keeps the discrepancies as a web follow-up does; ACL and audit."""

from __future__ import annotations

from sqlalchemy import func, select

from survey import sealing
from survey.audit import AuditEntry
from survey.comparison import followups
from survey.comparison.followup_outcomes import blocks
from survey.responding import services as answers
from survey.responding.models import Answer, Explanation
from survey.rounds import services as rounds
from survey.rounds.models import Invitation, Round
from survey.studies.models import InterviewerAssignment, Membership, Pair, Study
from tests.comparison.test_followups import _discrepancy
from tests.fixtures.followups import owner_of
from tests.fixtures.web import csrf_token, login, text_of


def _followup(session, round_, codes, reveal="none"):
    """A follow-up of the first pair (established, sent, received), opened."""
    followup, _ = followups.create(
        session,
        round_,
        f"Again {reveal}",
        followups.Selection(pairs=[codes[0]]),
        reveal=reveal,
        user=owner_of(session, round_),
    )
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    invitations = {r.side.code: r.invitation for r in rounds.invitation_rows(session, followup)}
    return followup, invitations


def _interviewer(session, make_user, study, pair_code):
    user = make_user()
    from survey.studies import services as studies

    studies.add_member(session, study, user.email, "interviewer")
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    pair = session.scalar(select(Pair).where(Pair.study_id == study.id, Pair.code == pair_code))
    session.add(InterviewerAssignment(membership_id=membership.id, pair_id=pair.id))
    session.flush()
    return user


def words_of(response) -> str:
    """The page's text as a reader gets it: tags dropped, spaces collapsed."""
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text_of(response))).split())


def _post(client, path, **fields):
    data = {"csrf_token": csrf_token(client, path), "mode": "phone", "action": "save", **fields}
    return client.post(path, data=data)


def test_a_followup_interview_asks_only_the_disputed_questions_prefilled(
    client, session, make_user, answered
):
    round_, codes = answered
    study = session.get(Study, round_.study_id)
    followup, _ = _followup(session, round_, codes)
    interviewer = _interviewer(session, make_user, study, codes[0])
    login(client, interviewer.email)
    base = f"/studies/{study.slug}/rounds/{followup.slug}/entry"
    page = client.get(f"{base}/{codes[0]}/cn")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = words_of(page)
    assert "Follow-up interview: the questions the two sides disagreed on" in shown
    for key in ("established", "sent", "received"):
        assert f'name="{key}"' in html
        assert f'name="_why.{key}"' in html
    assert 'name="training"' not in html  # agreed: not asked again
    assert 'name="sectors"' not in html
    assert 'value="1988"' in html  # cn's own earlier answer, pre-filled
    assert 'value="7"' in html
    assert "Earlier answer: 1988" in shown
    assert "1987" not in shown  # blind: the partner's answer is not shown
    # Only the assigned pair; the other pair is not in this follow-up at all.
    assert client.get(f"{base}/{codes[1]}/cn").status_code == 404


def test_saving_a_followup_interview_resolves_as_the_web_does(client, session, make_user, answered):
    round_, codes = answered
    study = session.get(Study, round_.study_id)
    followup, invitations = _followup(session, round_, codes)
    cn_id, slug, study_slug = invitations["cn"].id, followup.slug, study.slug
    round_id = round_.id
    interviewer = _interviewer(session, make_user, study, codes[0])
    interviewer_id = interviewer.id
    login(client, interviewer.email)
    path = f"/studies/{study_slug}/rounds/{slug}/entry/{codes[0]}/cn"
    incomplete = _post(
        client, path, action="submit",
        **{"_v.established": "0", "established": "1987", "_v.sent": "0", "sent": "",
           "_v.received": "0", "received": "7", "_why.established": "City archive"},
    )  # fmt: skip
    assert incomplete.status_code == 200  # saved, not submitted: every asked question
    assert "Some answers are missing or need attention: sent." in words_of(incomplete)
    session.expire_all()
    cn = session.get(Invitation, cn_id)
    assert cn.state != "submitted"
    assert answers.answers_of(session, cn)["established"] == 1987  # kept
    assert 'value="1987"' in incomplete.get_data(as_text=True)  # what was typed is kept
    assert "City archive" in words_of(incomplete)
    saved = _post(
        client, path, action="submit",
        **{"_v.established": "1", "established": "1987", "_v.sent": "0", "sent": "0",
           "_v.received": "1", "received": "7", "_why.established": "City archive, 1987 file",
           "training": "no"},
    )  # fmt: skip
    assert saved.status_code == 302, text_of(saved)
    session.expire_all()
    round_ = session.get(Round, round_id)
    cn = session.get(Invitation, cn_id)
    assert (cn.state, cn.mode) == ("submitted", "phone")
    given = answers.answers_of(session, cn)
    assert given == {"established": 1987, "sent": 0, "received": 7}  # training not asked
    # Original answers never change.
    original = next(
        r.invitation
        for r in rounds.invitation_rows(session, round_)
        if r.pair.code == codes[0] and r.side.code == "cn"
    )
    assert answers.answers_of(session, original)["established"] == 1988
    # established: cn now says 1987 as us did, resolved by the follow-up (audited, no user).
    established = _discrepancy(session, round_, codes[0], "established")
    assert established.status == "resolved"
    # The us side's follow-up interview, by the same interviewer (assigned to the pair).
    done = _post(
        client, path.replace("/cn", "/us"), action="submit",
        **{"_v.established": "0", "established": "1987", "_v.sent": "0", "sent": "3",
           "_v.received": "0", "received": "dk"},
    )  # fmt: skip
    assert done.status_code == 302, text_of(done)
    assert established.decided_by_id is None
    resolve = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "discrepancy.resolve",
            AuditEntry.object_id == str(established.id),
        )
    ).one()
    assert resolve.details["by"] == "followup"
    assert resolve.details["round"] == slug
    # sent 3 against received 7: still disputed, open, both rounds' values kept.
    sent = _discrepancy(session, round_, codes[0], "sent")
    assert sent.status == "open"
    pair_id = cn.pair_id
    block = blocks(session, round_, [pair_id])[(pair_id, "sent")]
    assert block["outcome"] == "disagree"
    assert block["explanations"] == {}
    told = blocks(session, round_, [pair_id])[(pair_id, "established")]
    assert told["explanations"] == {"cn": "City archive, 1987 file"}
    # Audited as the interviewer's, on the respondent's behalf.
    explained = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "answer.explain", AuditEntry.object_id == str(cn.id))
        .order_by(AuditEntry.id)  # [-1] is the last change: PostgreSQL keeps no order unasked
    ).all()
    assert explained
    assert all(e.actor_user_id == interviewer_id for e in explained)
    opened = sealing.open_all(session, explained)  # the values are sealed (issue 20)
    assert opened[explained[-1].id]["changes"]["established"][1] == "City archive, 1987 file"
    saves = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "answer.save", AuditEntry.object_id == str(cn.id)
        )
    ).all()
    assert saves
    assert all(e.actor_user_id == interviewer_id for e in saves)
    assert all(e.on_behalf_of == f"respondent:{cn.respondent_id}" for e in saves)
    stored = session.scalar(
        select(func.count()).select_from(Explanation).where(Explanation.invitation_id == cn.id)
    )
    assert stored == 1
    assert not session.scalar(
        select(func.count())
        .select_from(Answer)
        .where(Answer.invitation_id == cn.id, Answer.question_key == "training")
    )


def test_viewers_and_unassigned_interviewers_enter_nothing(client, session, make_user, answered):
    round_, codes = answered
    study = session.get(Study, round_.study_id)
    followup, invitations = _followup(session, round_, codes)
    from survey.studies import services as studies

    viewer, stranger = make_user(), make_user()
    studies.add_member(session, study, viewer.email, "viewer")
    studies.add_member(session, study, stranger.email, "interviewer")  # assigned nowhere
    path = f"/studies/{study.slug}/rounds/{followup.slug}/entry/{codes[0]}/cn"
    login(client, viewer.email)
    assert client.get(path).status_code == 403
    client.get("/logout")
    login(client, stranger.email)
    assert client.get(path).status_code == 404
    refused = client.post(path, data={"csrf_token": "x", "established": "1987"})
    assert refused.status_code in (400, 404)
    assert not answers.answers_of(session, invitations["cn"])


def test_with_reveal_the_interviewer_sees_the_partner_answer(client, session, answered):
    round_, codes = answered
    study = session.get(Study, round_.study_id)
    followup, _ = _followup(session, round_, codes, reveal="counterpart")
    login(client, owner_of(session, round_).email)
    path = f"/studies/{study.slug}/rounds/{followup.slug}/entry/{codes[0]}/cn"
    shown = words_of(client.get(path))
    assert "answered: 1987" in shown  # the us side's earlier answer


def test_a_correction_after_submission_reevaluates(client, session, answered):
    import re

    round_, codes = answered
    study = session.get(Study, round_.study_id)
    followup, _ = _followup(session, round_, codes)
    round_id = round_.id
    login(client, owner_of(session, round_).email)
    path = f"/studies/{study.slug}/rounds/{followup.slug}/entry/{codes[0]}/cn"
    first = {"_v.established": "0", "established": "1988", "_v.sent": "0", "sent": "0"}
    submitted = _post(
        client, path, action="submit", **first, **{"_v.received": "0", "received": "7"}
    )
    assert submitted.status_code == 302, text_of(submitted)
    page = client.get(path).get_data(as_text=True)
    versions = dict(re.findall(r'name="_v\.(\w+)" value="(\d+)"', page))
    no_reason = _post(
        client, path, **{f"_v.{k}": v for k, v in versions.items()},
        established="1988", sent="0", received="3",
    )  # fmt: skip
    assert "reason" in words_of(no_reason).lower()
    corrected = _post(
        client, path, **{f"_v.{k}": v for k, v in versions.items()},
        established="1988", sent="0", received="3", reason="Read from the 2009 ledger",
    )  # fmt: skip
    assert corrected.status_code == 302, text_of(corrected)
    session.expire_all()
    sent = _discrepancy(session, session.get(Round, round_id), codes[0], "sent")
    assert sent.status == "resolved"  # us sent 3, cn now received 3
    assert _discrepancy(session, session.get(Round, round_id), codes[0], "established").status == (
        "open"
    )  # cn still says 1988 against 1987
