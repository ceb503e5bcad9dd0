"""The OpenAPI schema documents every path, and every path answers as documented."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI

from tests.api.test_original_endpoints import report


def sample(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A valid value for a (small) JSON schema: the shape the docs promise is accepted."""
    if "$ref" in schema:
        return sample(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "anyOf" in schema:
        return sample(schema["anyOf"][0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            name: sample(prop, components)
            for name, prop in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    return {"string": "text", "integer": 1, "boolean": False, "number": 1.0}.get(kind, "x")


class TestOpenApi:
    async def test_schema_and_docs_are_served(self, client: httpx.AsyncClient) -> None:
        schema = (await client.get("/openapi.json")).json()
        assert schema["openapi"].startswith("3.")
        docs = await client.get("/docs")
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()

    async def test_every_documented_path_answers_with_a_documented_status(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        ann: dict[str, str],
        agent: dict[str, str],
    ) -> None:
        number = await report(client, ann)
        schema = (await client.get("/openapi.json")).json()
        components = schema["components"]["schemas"]
        expected_paths = {
            "/users/login",
            "/users/logout",
            "/tickets/report",
            "/tickets/{ticket_id}/status",
            "/tickets/{ticket_id}/messages",
            "/tickets/report-issue",
            "/tickets/view-tickets",
            "/tickets/modify-ticket-status",
            "/api/v1/tickets",
            "/api/v1/tickets/{ticket_id}",
            "/api/v1/customers/{telegram_user_id}/tickets",
            "/api/v1/agents",
            "/api/v1/stats",
        }
        assert expected_paths <= set(schema["paths"])
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                url = re.sub(r"\{[a-z_]+\}", str(number), path)
                url = url.replace(f"/agents/{number}/", "/agents/alice-not/")
                body = None
                request = operation.get("requestBody")
                if request:
                    body_schema = request["content"]["application/json"]["schema"]
                    body = sample(body_schema, components)
                documented = {int(code) for code in operation["responses"]}
                for headers in (agent, {}):
                    answer = await client.request(method, url, json=body, headers=headers)
                    assert answer.status_code in documented, (
                        method,
                        path,
                        answer.status_code,
                        answer.text,
                    )
                    if answer.status_code >= 400:
                        assert set(answer.json()) == {"error"}, (method, path)

    async def test_a_refused_body_and_an_unknown_assignee_are_documented(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        schema = (await client.get("/openapi.json")).json()
        big = b"{" + b" " * (1024 * 1024) + b"}"
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                url = re.sub(r"\{[a-z_]+\}", "1", path)
                answer = await client.request(
                    method, url, content=big, headers={**agent, "Content-Type": "application/json"}
                )
                assert answer.status_code == 413, (method, path)
                assert "413" in operation["responses"], (method, path)
        unknown = await client.get("/api/v1/tickets", params={"assignee": "zed"}, headers=agent)
        assert unknown.status_code == 404
        assert "404" in schema["paths"]["/api/v1/tickets"]["get"]["responses"]

    async def test_view_tickets_documents_its_next_page_header(
        self, client: httpx.AsyncClient
    ) -> None:
        schema = (await client.get("/openapi.json")).json()
        ok = schema["paths"]["/tickets/view-tickets"]["get"]["responses"]["200"]
        assert "X-Next-Cursor" in ok["headers"]
        assert ok["content"]["application/json"]["schema"]["type"] == "array"

    async def test_the_title_documents_the_bots_subject_limit(
        self, client: httpx.AsyncClient, ann: dict[str, str]
    ) -> None:
        schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
        for model in ("ReportRequest", "NewTicketRequest"):
            assert "at most 120 characters" in schema[model]["properties"]["title"]["description"]
        answer = await client.post(
            "/tickets/report", json={"title": "x" * 121, "description": "y"}, headers=ann
        )
        assert answer.status_code == 422
        assert "keep it to 120 or fewer" in answer.json()["error"]["message"]
