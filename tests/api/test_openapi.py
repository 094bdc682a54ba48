"""The OpenAPI document tells a client every error an operation can answer, and every limit of its inputs."""

from typing import Any

import pytest
from django.test import Client

from ardoise.towns.models import Town

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(town: Town) -> dict[str, Any]:
    response = Client().get(f"/{town.slug}/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(openapi: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", op) for path, ops in openapi["paths"].items() for method, op in ops.items()]


def resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_it_lists_the_error_answers_of_every_operation(openapi: dict[str, Any]) -> None:
    for name, operation in operations(openapi):
        responses = {int(status): answer for status, answer in operation["responses"].items()}
        expected = {422}
        if operation.get("security"):
            expected |= {401, 404}
        if "{" in name:
            expected.add(404)
        if "requestBody" in operation:
            expected |= {400, 413}
        assert expected <= set(responses), name
        for status in expected:
            schema = resolve(openapi, responses[status]["content"]["application/json"]["schema"])
            assert "detail" in schema["properties"], (name, status)
            assert responses[status]["description"]
    booking = dict(operations(openapi))["POST /saint-exemple/api/v1/children/{child_id}/bookings"]
    assert {400, 401, 404, 409, 413, 422} <= {int(status) for status in booking["responses"]}
    token = dict(operations(openapi))["POST /saint-exemple/api/v1/auth/token"]
    assert {400, 401, 413, 422, 429} <= {int(status) for status in token["responses"]}


def strings_of(openapi: dict[str, Any], schema: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    """Every string schema an input can hold, with where it is."""
    schema = resolve(openapi, schema)
    found = []
    for option in schema.get("anyOf", []):
        found += strings_of(openapi, option, where)
    if schema.get("type") == "string":
        found.append((where, schema))
    for name, child in schema.get("properties", {}).items():
        found += strings_of(openapi, child, f"{where}.{name}")
    if "items" in schema:
        found += strings_of(openapi, schema["items"], f"{where}[]")
    return found


def test_it_bounds_every_text_a_client_sends(openapi: dict[str, Any]) -> None:
    strings = []
    for name, operation in operations(openapi):
        for parameter in operation.get("parameters", []):
            strings += strings_of(openapi, parameter["schema"], f"{name} {parameter['name']}")
        if "requestBody" in operation:
            # JSON, or multipart for an upload (supporting documents).
            content = operation["requestBody"]["content"]
            body = (content.get("application/json") or content["multipart/form-data"])["schema"]
            strings += strings_of(openapi, body, f"{name} body")
    assert len(strings) > 5
    for where, schema in strings:
        # A file ("binary") is bounded by the upload checks (5 MB) and the request size (2,5 Mo).
        bounded = schema.get("format") in ("date", "date-time", "binary")
        assert "maxLength" in schema or bounded or "enum" in schema, where


def test_it_states_the_limits(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert schemas["BatchIn"]["properties"]["changes"]["maxItems"] == 1000
    assert schemas["ChangeIn"]["properties"]["activity_id"]["maximum"] == 2**63 - 1
    assert schemas["MessageIn"]["properties"]["body"]["maxLength"] == 5000
    planning = dict(operations(openapi))["GET /saint-exemple/api/v1/children/{child_id}/planning"]
    assert any("93 jours" in parameter.get("schema", {}).get("description", "") for parameter in planning["parameters"])
    assert "2,5 Mo" in openapi["info"]["description"]
