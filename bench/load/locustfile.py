"""Compliance managers fill in questionnaires while auditors read and download memos, all at once.

Run by bench/load/run_load.py, which seeds the database and passes the plan (LOAD_PLAN) and where to write the
acknowledged saves (LOAD_ACKS). Every save that got its success response is recorded with the value it carried,
so the driver can check afterwards that each one is in the database.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import re
import threading
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
ACKS: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()
_managers = itertools.count()
_auditors = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="_version" value="(\d+)"')


def acknowledge(assessment: int, target: dict[str, Any], value: Any) -> None:
    key = f"{assessment}:{target['service'] or ''}:{target['question']}"
    with _lock:
        entry = ACKS.setdefault(key, {"assessment": assessment, "service": target["service"], "saves": 0})
        entry.update(question=target["question"], value=value, saves=entry["saves"] + 1)


@events.quitting.add_listener
def _write_acks(environment: Any, **kwargs: Any) -> None:
    with open(os.environ["LOAD_ACKS"], "w", encoding="utf-8") as handle:
        json.dump(list(ACKS.values()), handle)


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def sign_in(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="sign in [GET]")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            {"username": username, "password": PLAN["password"], "csrfmiddlewaretoken": token},
            name="sign in [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in of {username} answered {response.status_code}")


class Manager(Person):
    """Works on an assessment of their own, so every conflict would be a bug, not a race between people."""

    weight = 3

    def on_start(self) -> None:
        self.me = PLAN["managers"][next(_managers) % len(PLAN["managers"])]
        self.counter = itertools.count(1)
        self.sign_in(self.me["username"])

    def save(self, target: dict[str, Any]) -> None:
        page = self.client.get(target["url"], name=f"section {target['kind']} [GET]")
        csrf, version = CSRF.search(page.text), VERSION.search(page.text)
        if page.status_code != 200 or csrf is None or version is None:
            return
        n = next(self.counter)
        value = n if target["kind"] == "number" else f"Hosted by {self.me['username']} (save {n})"
        data = {
            "csrfmiddlewaretoken": csrf.group(1),
            "_version": version.group(1),
            "_shown": target["question"],
            target["question"]: str(value),
        }
        with self.client.post(
            target["url"], data, name=f"section {target['kind']} [POST]", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 302:
                acknowledge(self.me["assessment"], target, value)
            else:
                response.failure(f"save answered {response.status_code}")

    @task(5)
    def answer_organization_question(self) -> None:
        self.save(self.me["targets"][0])

    @task(3)
    def answer_service_question(self) -> None:
        self.save(self.me["targets"][1])

    @task(1)
    def look_at_the_assessment(self) -> None:
        self.client.get(self.me["detail"], name="assessment detail")

    @task(1)
    def look_at_the_dashboard(self) -> None:
        self.client.get(PLAN["dashboard"], name="dashboard")


class Auditor(Person):
    weight = 2

    def on_start(self) -> None:
        self.sign_in(PLAN["auditors"][next(_auditors) % len(PLAN["auditors"])])

    @task(3)
    def download_a_memo(self) -> None:
        memo = random.choice(PLAN["memos"])
        with self.client.get(memo["download"], name="memo download", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"download answered {response.status_code}")
            elif hashlib.sha256(response.content).hexdigest() != memo["sha256"]:
                response.failure("the downloaded bytes do not match the memo's SHA-256")

    @task(1)
    def read_a_memo(self) -> None:
        self.client.get(random.choice(PLAN["memos"])["detail"], name="memo page")

    @task(2)
    def open_a_review(self) -> None:
        self.client.get(random.choice(PLAN["memos"])["review"], name="review page")

    @task(1)
    def list_reviews(self) -> None:
        self.client.get(PLAN["review_list"], name="review list")
