"""survey: bilingual paired-interview studies.

`create_app` builds the Flask application: configuration, extensions, the
request transaction, security headers, error pages and the blueprints.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

__all__ = ["create_app"]

# Feature packages with web pages; each has `views.py` exposing its blueprint as `bp`
# (or its blueprints as `blueprints`).
FEATURES = (
    "accounts",
    "studies",
    "questionnaires",
    "rounds",
    "responding",
    "fieldwork",
    "comparison",
    "exports",
    "api",
    "privacy",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides defaults and SURVEY_* variables."""
    from survey import config as config_module

    app = Flask(__name__, instance_relative_config=True)
    config_module.load(app, config)
    _configure_extensions(app)
    _configure_requests(app)
    _register_blueprints(app)
    _register_listeners()
    _register_cli(app)
    return app


def _configure_extensions(app: Flask) -> None:
    from survey import i18n
    from survey.extensions import babel, csrf, db

    db.configure(app.config["DATABASE_URL"])
    csrf.init_app(app)
    translations = str(_root() / "translations")
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=translations,
    )
    i18n.install_template_gettext(app)


def _configure_requests(app: Flask) -> None:
    from survey import errors_web, inputs, security, throttle, transaction
    from survey.accounts.authz import enforce_declared_policy, load_user
    from survey.responding import install_log_redaction

    security.init_app(app)
    inputs.init_app(app)  # before anything reads the path, the query or the form
    throttle.init_app(app)
    install_log_redaction(app)  # respondent link tokens never reach a log line (TOK-03)
    transaction.init_app(app)
    app.before_request(load_user)
    app.before_request(enforce_declared_policy)
    errors_web.init_app(app)
    app.jinja_env.globals.update(_template_globals())
    app.jinja_env.filters["keep_words"] = _keep_words()


def _keep_words() -> Any:
    from survey.templating import keep_words

    return keep_words


def _template_globals() -> dict[str, Any]:
    from survey import i18n, roster_widgets, templating, wording

    return {
        "LANGUAGE_NAMES": i18n.LANGUAGE_NAMES,
        "current_locale": templating.current_locale,
        "lang_tag": templating.lang_tag,
        "text_in": templating.text_in,
        "local_time": templating.local_time,
        "local_date": templating.local_date,
        "local_stamp": templating.local_stamp,
        "zone_name": templating.zone_name,
        "side_name": templating.side_name,
        "action_name": templating.action_name,
        "object_name": templating.object_name,
        "place_name": templating.place_name,
        "pair_places": templating.pair_places,
        "locale_of": i18n.normalize,
        "state_names": templating.STATE_NAMES,
        "tag_colours": templating.TAG_COLOURS,
        "mail_state_names": templating.MAIL_STATE_NAMES,
        "outcome_names": templating.OUTCOME_NAMES,
        "plain_value": templating.plain_value,
        "label_value": templating.label_value,
        "with_detail": templating.with_detail,
        "sentences": templating.sentences,
        "fragment": templating.fragment,
        "url": templating.url,
        "question_html": roster_widgets.widget_html,  # a roster's, or widgets.question_html
        "rule_words": wording.rule_words,
    }


def _register_blueprints(app: Flask) -> None:
    import importlib

    from survey import web

    app.register_blueprint(web.bp)
    importlib.import_module("survey.overview")  # the study page, on the studies blueprint
    for feature in FEATURES:
        module = importlib.import_module(f"survey.{feature}.views")  # registers the routes
        for blueprint in getattr(module, "blueprints", (module.bp,)):
            app.register_blueprint(blueprint)


def _register_listeners() -> None:
    """Re-compare a pair whenever a submitted side's answers change, and let the questionnaire
    pages count stored answers (once per process): lower layers call these, never import them."""
    from survey import errors_web
    from survey.accounts.authz import SESSIONLESS
    from survey.accounts.two_factor import NOTIFIERS, REQUIREMENTS
    from survey.api import problems
    from survey.comparison.audit_pairs import discrepancy_pairs
    from survey.comparison.decisions import audit_words
    from survey.comparison.followup_outcomes import listen as followup_listener
    from survey.comparison.services import rerun_for_invitation
    from survey.fieldwork.panel import rates_panel
    from survey.questionnaires.labels import question_labels
    from survey.questionnaires.services import ANSWER_COUNTERS
    from survey.responding.counts import answer_counts
    from survey.responding.services import ANSWER_LISTENERS
    from survey.rounds.mail.account_notices import notify
    from survey.rounds.services import rounds_per_study
    from survey.rounds.views import ROUND_PANELS
    from survey.studies.cli import ROUND_COUNTERS
    from survey.studies.listing import AUDIT_LABELS, AUDIT_PAIRS
    from survey.studies.two_factor import required_by_a_study

    if rerun_for_invitation not in ANSWER_LISTENERS:
        ANSWER_LISTENERS.append(rerun_for_invitation)
    if followup_listener not in ANSWER_LISTENERS:
        ANSWER_LISTENERS.append(followup_listener)  # follow-up answers resolve discrepancies
    if answer_counts not in ANSWER_COUNTERS:
        ANSWER_COUNTERS.append(answer_counts)
    if audit_words not in AUDIT_LABELS:
        AUDIT_LABELS.insert(0, audit_words)  # decisions in words; questions win over them
    if question_labels not in AUDIT_LABELS:
        AUDIT_LABELS.append(question_labels)  # the audit log names questions and options
    if rounds_per_study not in ROUND_COUNTERS:
        ROUND_COUNTERS.append(rounds_per_study)  # `survey study list` counts rounds
    SESSIONLESS.add("api")  # the JSON API takes a bearer token, never the session cookie
    if not any(prefix == problems.PREFIX for prefix, *_ in errors_web.PATH_HANDLERS):
        handlers = (problems.PREFIX, problems.from_http, problems.from_exception)
        errors_web.PATH_HANDLERS.append(handlers)  # its errors as problem documents
    if discrepancy_pairs not in AUDIT_PAIRS:
        AUDIT_PAIRS.append(discrepancy_pairs)  # and sides as a discrepancy's pair names them
    if rates_panel not in ROUND_PANELS:
        ROUND_PANELS.append(rates_panel)  # the round page reports the AAPOR outcome rates
    if notify not in NOTIFIERS:
        NOTIFIERS.append(notify)  # two-factor changes are e-mailed through the outbox
    if required_by_a_study not in REQUIREMENTS:
        REQUIREMENTS.append(required_by_a_study)  # an owner may require it of a study's members


def _register_cli(app: Flask) -> None:
    from survey.cli import register

    register(app)


def _root():  # noqa: ANN202  (a Path; kept tiny to avoid importing pathlib at module level)
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
