"""GET /health and the error envelope for requests no route serves."""

from pymongo.errors import ServerSelectionTimeoutError

from service.usecases import service_status


async def test_health_reports_ok_when_the_database_answers(client):
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok"}


async def test_health_is_503_when_the_database_does_not_answer(client, monkeypatch):
    async def no_answer(database):
        raise ServerSelectionTimeoutError("no server")

    monkeypatch.setattr(service_status, "ping", no_answer)
    response = await client.get("/health")
    assert response.status == 503
    assert (await response.json())["database"] == "unavailable"


async def test_unknown_route_is_a_json_404(client):
    response = await client.get("/nope")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_wrong_method_is_a_json_405_with_allow(client):
    response = await client.delete("/health")
    assert response.status == 405
    assert (await response.json())["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
