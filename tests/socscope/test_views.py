from __future__ import annotations

import pytest
from django.test import Client


def test_healthz_reports_the_database(client: Client, db: None) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_refuses_post(client: Client, db: None) -> None:
    assert client.post("/healthz").status_code == 405


def test_unknown_pages_get_the_friendly_404(client: Client, manager: object) -> None:
    client.force_login(manager)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"There is nothing here" in response.content


@pytest.mark.parametrize("path", ["/", "/admin/"])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, db: None, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert "login" in response["Location"]
