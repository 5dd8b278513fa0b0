from common.db import with_database
from common.embedded import redis_url_with_db


def test_with_database_keeps_socket_query_when_database_changes() -> None:
    url = "postgresql://postgres@/postgres?host=/tmp/pg"
    assert with_database(url, "inventory") == "postgresql://postgres@/inventory?host=/tmp/pg"


def test_with_database_replaces_path_when_url_is_tcp() -> None:
    assert with_database("postgresql://u@h:5432/postgres", "orders") == "postgresql://u@h:5432/orders"


def test_redis_url_with_db_replaces_database_when_url_has_one() -> None:
    assert redis_url_with_db("redis://127.0.0.1:6379/0", 3) == "redis://127.0.0.1:6379/3"
    assert redis_url_with_db("redis://127.0.0.1:6379", 2) == "redis://127.0.0.1:6379/2"
    assert redis_url_with_db("unix:///tmp/r.sock?db=0", 5) == "unix:///tmp/r.sock?db=5"
