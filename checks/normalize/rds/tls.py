"""Whether an RDS DB instance refuses unencrypted connections: the engine's TLS parameter in its DB parameter group
(`rds.force_ssl` for PostgreSQL and SQL Server, `require_secure_transport` for MySQL and MariaDB), else the engine's
default. Oracle and Db2 configure TLS in option groups and listeners: not modelled (no parameter, not applicable)."""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import unwrap

FORCE_SSL = "rds.force_ssl"
SECURE_TRANSPORT = "require_secure_transport"
PARAMETERS = (FORCE_SSL, SECURE_TRANSPORT)
FIRST_FORCED_POSTGRES = 15  # RDS for PostgreSQL 15 and later default rds.force_ssl to 1; earlier versions to 0


def tls_parameter(engine: Any) -> Any:
    """The parameter that enforces TLS for the engine; None when the engine has none."""
    engine = unwrap(engine)
    if engine is UNKNOWN:
        return UNKNOWN
    if engine == "postgres" or (isinstance(engine, str) and engine.startswith("sqlserver")):
        return FORCE_SSL
    if engine in ("mysql", "mariadb"):
        return SECURE_TRANSPORT
    return None


def engine_default(engine: Any, version: Any) -> Any:
    """The engine's default when the parameter group does not set the parameter (AWS's default parameter groups)."""
    engine, version = unwrap(engine), unwrap(version)
    if engine is UNKNOWN:
        return UNKNOWN
    if engine != "postgres":
        return False  # MySQL, MariaDB and SQL Server accept plain connections by default
    if version is UNKNOWN:
        return UNKNOWN
    if not isinstance(version, str) or not version.split(".")[0].isdigit():
        return UNKNOWN  # no version given: the latest at creation time, not known here
    return int(version.split(".")[0]) >= FIRST_FORCED_POSTGRES


def is_on(value: Any) -> Any:
    """A parameter value: "1"/"ON"/"true" enforce TLS."""
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    return str(value).strip().lower() in ("1", "on", "true")
