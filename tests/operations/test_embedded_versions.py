"""The embedded database's cached version checks answer what mongomock's own parsing answers."""

import mongomock
from mongomock import collection as mongomock_collection
from mongomock import mongo_client
from packaging import version

from service.db.embedded_versions import install


def test_versions_parse_as_packaging_parses_them_and_each_string_once():
    install()
    for text in ("3.6", "4.0", "4.2", "3.12"):
        assert mongomock_collection.version.parse(text) == version.parse(text)
    parse = mongomock_collection.version.parse
    assert parse("4.0") is parse("4.0")  # the first parse, answered again


def test_the_server_version_list_is_a_fresh_list_each_call():
    install()
    client = mongomock.MongoClient()
    first = client.server_info()["versionArray"]
    first.append(99)
    assert client.server_info()["versionArray"] == mongo_client._convert_version_to_list(client.server_info()["version"])
    assert 99 not in client.server_info()["versionArray"]
    assert client.server_info()["versionArray"][:2] == [int(part) for part in client.server_info()["version"].split(".")][:2]
