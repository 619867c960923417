"""docker-compose.yml, read (no Docker engine here): the read replica is wired, and every `$` is one that
compose interpolates on purpose (${VAR} from .env) or an escaped `$$` meant for the shell or nginx."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_the_replica_is_a_streaming_standby_of_postgis_read_by_the_web():
    services = COMPOSE["services"]
    replica = services["postgis-replica"]
    assert replica["image"] == services["postgis"]["image"]
    script = replica["command"][0]
    assert "pg_basebackup -h postgis -U replicator" in script and " -R " in script
    assert "hot_standby=on" in script and replica["depends_on"]["postgis"]["condition"] == "service_healthy"
    assert "pgreplica" in COMPOSE["volumes"]
    web = {**COMPOSE["x-app"]["environment"], **services["web"].get("environment", {})}
    assert web["DATABASE_REPLICA_URL"].endswith("@postgis-replica:5432/cartecommune")
    init = services["postgis"]["configs"][0]
    assert init["target"].startswith("/docker-entrypoint-initdb.d/")
    content = COMPOSE["configs"][init["source"]]["content"]
    assert "REPLICATION LOGIN" in content and "host replication replicator" in content
    example = (ROOT / ".env.example").read_text()
    for name in set(re.findall(r"\$\{([A-Z_]+)\}", (ROOT / "docker-compose.yml").read_text())):
        assert f"\n{name}=" in example, name


def test_every_dollar_is_escaped_or_a_variable():
    for text in _strings(COMPOSE):
        unescaped = re.sub(r"\$\$|\$\{[A-Z_]+\}", "", text)
        assert "$" not in unescaped, text
