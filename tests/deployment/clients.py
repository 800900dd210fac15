"""The soak's clients: respondents and a researcher, over HTTPS through nginx, each from an
address of its own on 127.0.0.0/8 (so nginx, and through it the app, sees distinct clients).

Every request is timed and kept as a `Sample`. A respondent keeps a log of each save
it attempted (`Attempt`): the value it sent and what it learnt of the outcome:

- `saved`: the server acknowledged the save (autosave's JSON lists the answer as saved;
  a page post answered with its redirect onward);
- `refused`: the server answered that it did not save (503 "not saved", 429, a conflict,
  any other answer that is not an acknowledgement);
- `unseen`: no answer reached the client (connection reset, timeout, nginx's 502/504):
  the save may or may not have been committed, and the client cannot tell.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
VISITS = re.compile(r'name="visits" value="([^"]*)"')
SCRIPT_SKIPS = {"csrf_token", "_ui", "_nav", "_lang"}  # fields the page's script leaves out
TIMEOUT = 30
UNSEEN_STATUSES = {502, 504}  # nginx's word that the node's answer never came


class SourceAddress(HTTPAdapter):
    """Connections from one loopback address (nginx's $remote_addr for this client)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Sample:
    start: float  # time.monotonic()
    seconds: float
    kind: str
    status: int | str  # the HTTP status, or the exception's name


@dataclass
class Attempt:
    invitation_id: int
    value: int
    outcome: str  # saved, refused, unseen
    status: int | str


@dataclass
class Log:
    """What every client saw, shared between threads (list.append is atomic)."""

    samples: list[Sample] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    submitted: set[int] = field(default_factory=set)  # invitations whose submit was acknowledged
    errors: list[str] = field(default_factory=list)


class Client:
    """A browser-like HTTPS session from one source address, timing every request."""

    def __init__(self, base: str, certificate: str, address: str, log: Log) -> None:
        self.base, self.log = base, log
        self.http = requests.Session()
        self.http.verify = certificate
        self.http.trust_env = False  # no proxy, no CA bundle from the environment
        self.http.mount("https://", SourceAddress(address))
        self.status: int | str = 0  # of the last request: its HTTP status or exception's name

    def request(self, kind: str, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        """The response, or None when none came (the exception is recorded as the status)."""
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        start = time.monotonic()
        try:
            response = self.http.request(method, self.base + path, **kwargs)
        except requests.RequestException as error:
            self.status = type(error).__name__
            self.log.samples.append(Sample(start, time.monotonic() - start, kind, self.status))
            return None
        self.status = response.status_code
        self.log.samples.append(Sample(start, time.monotonic() - start, kind, self.status))
        return response

    def page(self, kind: str, path: str, tries: int = 30) -> requests.Response | None:
        """GET `path`, following redirects one by one, retrying through an outage."""
        for _ in range(tries):
            response = self.request(kind, "GET", path)
            while response is not None and response.status_code in (302, 303):
                path = response.headers["Location"]
                response = self.request(kind, "GET", path)
            if response is not None and response.status_code == 200:
                return response
            time.sleep(1)
        return None


def token_of(html: str) -> str:
    """The page's CSRF token, however its input's attributes are ordered."""
    for tag in INPUT.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("name") == "csrf_token":
            return attributes.get("value", "")
    return ""


class Respondent(Client):
    """Opens links, autosaves a page over and over, moves on to the review and submits."""

    def __init__(self, *args: Any, seed: int, stop: threading.Event) -> None:
        super().__init__(*args)
        self.random = random.Random(seed)
        self.stop = stop

    def think(self) -> None:
        self.stop.wait(self.random.uniform(0.5, 2.0))

    def run(self, invitations: list[tuple[int, str]]) -> None:
        try:
            for invitation_id, path in invitations:
                if self.stop.is_set():
                    return
                self.answer(invitation_id, path)
        except Exception as error:  # noqa: BLE001  (a client's own failure fails the test)
            self.log.errors.append(f"respondent: {type(error).__name__}: {error}")

    def answer(self, invitation_id: int, link: str) -> None:
        welcome = self.page("open", link)
        if welcome is None:
            return
        url = welcome.url
        form = None
        for _ in range(30):
            started = self.request(
                "start", "POST", "/respond/welcome", headers={"Referer": url},
                data={"csrf_token": token_of(welcome.text), "_nav": "start"},
            )  # fmt: skip
            if started is not None and started.status_code == 303:
                form = self.page("page", started.headers["Location"])
                break
            time.sleep(1)
        if form is None:
            return
        fields, value = self.read(form.text)
        for _ in range(self.random.randint(4, 12)):
            self.think()
            if self.stop.is_set():
                return
            value += 1
            fields = self.autosave(invitation_id, fields, value)
        if self.stop.is_set():
            return
        self.finish(invitation_id, fields, value + 1)

    def read(self, html: str) -> tuple[dict[str, str], int]:
        """The page's hidden fields and the value of `visits` as drawn (0 when empty)."""
        fields = dict(HIDDEN.findall(html))
        shown = VISITS.search(html)
        return fields, int(shown.group(1)) if shown and shown.group(1).isdigit() else 0

    def reload(self) -> dict[str, str]:
        """The page as stored now: after an outcome the client could not see, or a conflict."""
        response = self.page("page", "/respond/p/counts")
        if response is None:
            raise RuntimeError("the page did not come back within 30 tries")
        return self.read(response.text)[0]

    def autosave(self, invitation_id: int, fields: dict[str, str], value: int) -> dict[str, str]:
        """Autosave `value` as the page's script does; the fields to send next time."""
        body = [[k, v] for k, v in fields.items() if k not in SCRIPT_SKIPS]
        body += [["visits", str(value)], ["note", f"n{value}"]]
        response = self.request(
            "autosave", "POST", "/respond/autosave",
            json={"section": "counts", "fields": body},
            headers={"X-CSRFToken": fields.get("csrf_token", ""), "Origin": self.base,
                     "Referer": self.base + "/respond/p/counts", "Accept": "application/json"},
        )  # fmt: skip
        status = self.status
        if response is None or status in UNSEEN_STATUSES or status == 500:
            self.log.attempts.append(Attempt(invitation_id, value, "unseen", status))
            return self.reload()
        answer = response.json() if status == 200 else {}
        if "visits" in answer.get("saved", []) and not answer.get("conflicts"):
            self.log.attempts.append(Attempt(invitation_id, value, "saved", status))
            versions = {f"_v.{key}": str(n) for key, n in answer.get("versions", {}).items()}
            return fields | versions
        self.log.attempts.append(Attempt(invitation_id, value, "refused", status))
        return self.reload() if answer.get("conflicts") else fields

    def finish(self, invitation_id: int, fields: dict[str, str], value: int) -> None:
        """Next with a last value (a save), then Submit on the review; retried through outages."""
        for _ in range(30):
            response = self.request(
                "next", "POST", "/respond/p/counts",
                headers={"Referer": self.base + "/respond/p/counts"},
                data=fields | {"visits": str(value), "note": f"n{value}", "_nav": "next"},
            )  # fmt: skip
            status = self.status
            if (
                response is not None
                and status == 303
                and response.headers["Location"].endswith("/respond/review")
            ):
                self.log.attempts.append(Attempt(invitation_id, value, "saved", status))
                break
            unseen = response is None or status in UNSEEN_STATUSES or status == 500
            self.log.attempts.append(
                Attempt(invitation_id, value, "unseen" if unseen else "refused", status)
            )
            time.sleep(1)
            fields = self.reload()
            value += 1
        else:
            return
        review = self.page("review", "/respond/review")
        for _ in range(30):
            if review is None:
                return
            response = self.request(
                "submit", "POST", "/respond/review", headers={"Referer": review.url},
                data={"csrf_token": token_of(review.text), "_nav": "submit"},
            )  # fmt: skip
            if response is not None and response.headers.get("Location", "").endswith("/thanks"):
                self.log.submitted.add(invitation_id)
                return
            time.sleep(1)
            review = self.page("review", "/respond/review")


class Researcher(Client):
    """Signs in, then in turn exports a round, opens its comparison and queues mail."""

    def __init__(self, *args: Any, email: str, password: str, stop: threading.Event) -> None:
        super().__init__(*args)
        self.email, self.password, self.stop = email, password, stop

    def login(self) -> bool:
        form = self.page("login", "/login")
        if form is None:
            return False
        response = self.request(
            "login", "POST", "/login", headers={"Referer": form.url},
            data={"csrf_token": token_of(form.text), "email": self.email,
                  "password": self.password},
        )  # fmt: skip
        return response is not None and response.status_code in (302, 303)

    def run(self, rounds: list[str]) -> None:
        try:
            while not self.stop.is_set() and not self.login():
                self.stop.wait(1)
            turn = 0
            while not self.stop.is_set():
                slug = rounds[turn % len(rounds)]
                self.export(slug)
                self.page("comparison", f"/studies/soak/rounds/{slug}/comparison/", tries=1)
                turn += 1
                self.stop.wait(2)
        except Exception as error:  # noqa: BLE001
            self.log.errors.append(f"researcher: {type(error).__name__}: {error}")

    def export(self, slug: str) -> None:
        path = f"/studies/soak/rounds/{slug}/export"
        form = self.page("export", path, tries=1)
        if form is None:
            return
        self.request(
            "export", "POST", path, headers={"Referer": form.url},
            data={"csrf_token": token_of(form.text), "fmt": "csv", "layout": "wide", "lang": "en",
                  "sides": "all", "include_partial": "y"},
        )  # fmt: skip

    def queue(self, slug: str, action: str) -> bool:
        """Invite or remind a round from its page, as a researcher clicks it."""
        page = self.page("round", f"/studies/soak/rounds/{slug}/")
        if page is None:
            return False
        response = self.request(
            action, "POST", f"/studies/soak/rounds/{slug}/{action}",
            headers={"Referer": page.url}, data={"csrf_token": token_of(page.text)},
        )  # fmt: skip
        return response is not None and response.status_code in (302, 303)
