import pytest
from django.test import Client


@pytest.mark.django_db
def test_it_answers_ok_when_the_database_answers() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
