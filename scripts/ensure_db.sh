#!/usr/bin/env bash
# Create the app role and a database owned by it, with PostGIS and pg_trgm (idempotent).
set -euo pipefail
role="$1"; dbname="$2"
psql_su() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_su -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != "1" ]; then
  psql_su -c "CREATE ROLE $role LOGIN"
fi
if [ "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" != "1" ]; then
  psql_su -c "CREATE DATABASE $dbname OWNER $role"
fi
psql_su -d "$dbname" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;"
