#!/usr/bin/env bash
# Creates, per bounded context, its database, its migrator user (owns the database: DDL)
# and its app user (DML on its own tables only), from setup.sql and setup-database.sql.
# Idempotent on CockroachDB (IF NOT EXISTS, GRANT/REVOKE), so a retried job is harmless.
# Runs in the cockroachdb/cockroach image (compose service `sql-setup`, k8s Job `sql-setup`),
# through the load balancer, never a node's own name:
#   cockroach sql --insecure --host=haproxy:26257            (compose)
#   cockroach sql --insecure --host=cockroachdb-public:26257 (k8s)
#
# Environment (all optional):
#   COCKROACH_HOST         host:port of the load balancer          (default haproxy:26257)
#   COCKROACH_CERTS_DIR    secure mode: folder with ca.crt, client.root.crt/.key; without it
#                          --insecure is used
#   <CTX>_MIGRATOR_PASSWORD, <CTX>_APP_PASSWORD (e.g. ACCOUNT_APP_PASSWORD)
#                          secure mode only: set the users' passwords (an insecure cluster
#                          refuses to store a password, SQLSTATE 28P01, and authenticates
#                          nobody: any client may connect as any user, passwords are ignored)
#   COCKROACH_LICENSE_KEY  the licence key (a Secret): Enterprise, Enterprise Free or Trial.
#                          Since v24.3 a cluster without one is throttled (5 concurrent
#                          transactions) 7 days after init; Free and Trial need telemetry
#   COCKROACH_ORGANIZATION cluster.organization, when the licence was issued with one
#   COCKROACH_TELEMETRY    "true" (default; required by Enterprise Free and Trial) or "false"
#                          (allowed with a paid Enterprise licence only)
#   SHUTDOWN_INITIAL_WAIT, SHUTDOWN_CONNECTIONS_TIMEOUT
#                          the drain settings of cluster.sql       (default "15s", "60s")
#   CLUSTER_SETTINGS       "false" skips cluster.sql and the licence (PostgreSQL: the tests)
#   SETUP_CONTEXTS         databases to set up                     (default "account data image")
#   MAINTENANCE_DATABASES  CONNECT, and CREATE on schema public, revoked from PUBLIC there
#                                                                  (default "defaultdb postgres")
#   SQL_IF_NOT_EXISTS      what replaces __IF_NOT_EXISTS__         (default "IF NOT EXISTS")
#   COCKROACH_BIN          the CLI                                 (default /cockroach/cockroach)
# `setup.sh render FILE CONTEXT` prints a template rendered for one context (no database).
set -euo pipefail

dir="$(cd "$(dirname "$0")" && pwd)"
if_not_exists="${SQL_IF_NOT_EXISTS-IF NOT EXISTS}"

render() { # file context
  local sql
  sql="$(<"$1")"
  sql="${sql//__IF_NOT_EXISTS__/$if_not_exists}"
  sql="${sql//__SHUTDOWN_INITIAL_WAIT__/${SHUTDOWN_INITIAL_WAIT:-15s}}"
  sql="${sql//__SHUTDOWN_CONNECTIONS_TIMEOUT__/${SHUTDOWN_CONNECTIONS_TIMEOUT:-60s}}"
  printf '%s\n' "${sql//__CTX__/$2}"
}

if [ "${1:-}" = render ]; then
  render "$2" "$3"
  exit 0
fi

host="${COCKROACH_HOST:-haproxy:26257}"
if [ -n "${COCKROACH_CERTS_DIR:-}" ]; then security="--certs-dir=$COCKROACH_CERTS_DIR"; else security="--insecure"; fi
sql() { "${COCKROACH_BIN:-/cockroach/cockroach}" sql "$security" --host="$host" "$@"; }
quote() { local s="${1//\'/\'\'}"; printf "'%s'" "$s"; }

if [ "${CLUSTER_SETTINGS:-true}" != false ]; then
  echo "cluster settings (drain, READ COMMITTED) and licence"
  render "$dir/cluster.sql" - | sql
  case "${COCKROACH_TELEMETRY:-true}" in
    true | false) printf 'SET CLUSTER SETTING diagnostics.reporting.enabled = %s;\n' "${COCKROACH_TELEMETRY:-true}" | sql ;;
    *) echo "COCKROACH_TELEMETRY must be true or false" >&2; exit 2 ;;
  esac
  if [ -n "${COCKROACH_ORGANIZATION:-}" ]; then
    printf 'SET CLUSTER SETTING cluster.organization = %s;\n' "$(quote "$COCKROACH_ORGANIZATION")" | sql
  fi
  if [ -n "${COCKROACH_LICENSE_KEY:-}" ]; then
    printf 'SET CLUSTER SETTING enterprise.license = %s;\n' "$(quote "$COCKROACH_LICENSE_KEY")" | sql
    echo "licence set"
  else
    echo "WARNING: no COCKROACH_LICENSE_KEY: CockroachDB throttles this cluster 7 days after init" >&2
  fi
fi

for ctx in ${SETUP_CONTEXTS:-account data image}; do
  if ! [[ "$ctx" =~ ^[a-z_][a-z0-9_]*$ ]]; then echo "unsafe database name: $ctx" >&2; exit 2; fi
  echo "setting up database $ctx (users ${ctx}_migrator, ${ctx}_app)"
  render "$dir/setup.sql" "$ctx" | sql
  render "$dir/setup-database.sql" "$ctx" | sql --database="$ctx"
  for who in migrator app; do
    var="${ctx^^}_${who^^}_PASSWORD"
    if [ -n "${!var:-}" ]; then
      printf 'ALTER USER "%s_%s" WITH PASSWORD %s;\n' "$ctx" "$who" "$(quote "${!var}")" | sql
    fi
  done
done

# The cluster's own databases grant CONNECT (and CockroachDB CREATE on their public schema)
# to PUBLIC by default; admins keep both. On CockroachDB CONNECT does not stop a connection
# (it hides metadata); the schema privilege is what keeps the context users from writing there.
for db in ${MAINTENANCE_DATABASES-defaultdb postgres}; do
  printf 'REVOKE CONNECT ON DATABASE "%s" FROM PUBLIC;\n' "$db" | sql
  printf 'REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n' | sql --database="$db"
done
echo "sql setup done"
