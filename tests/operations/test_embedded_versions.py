"""The embedded database's cached version checks answer what mongomock's own parsing answers."""

import mongomock
from mongomock import collection as mongomock_collection
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
    expected = [int(part) for part in client.server_info()["version"].split(".")]
    client.server_info()["versionArray"].append(99)  # a caller changing its copy
    assert client.server_info()["versionArray"] == expected + [0] * (4 - len(expected))
