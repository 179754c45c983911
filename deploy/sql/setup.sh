#!/usr/bin/env bash
# Creates, per bounded context, its database, its migrator user (owns the database: DDL)
# and its app user (DML on its own tables only), from setup.sql and setup-database.sql.
# Idempotent on CockroachDB (IF NOT EXISTS, GRANT/REVOKE), so a retried job is harmless.
# Runs in the cockroachdb/cockroach image (compose service `sql-setup`, k8s Job `sql-setup`),
# through the load balancer, never a node's own name: `cockroach sql --host=<load balancer>`,
# secure (root's client certificate in COCKROACH_CERTS_DIR) unless COCKROACH_INSECURE=true
# (the compose demo only). The CLI reads both variables itself
# (https://www.cockroachlabs.com/docs/v25.2/cockroach-sql: the certs-dir and insecure flags).
#
# Environment:
#   COCKROACH_HOST         host:port of the load balancer          (default haproxy:26257)
#   COCKROACH_CERTS_DIR    secure mode (the default): folder with ca.crt, client.root.crt/.key
#   COCKROACH_INSECURE     "true": the insecure demo cluster (no passwords: it refuses them,
#                          SQLSTATE 28P01, and authenticates nobody)
#   <CTX>_MIGRATOR_PASSWORD, <CTX>_APP_PASSWORD (e.g. ACCOUNT_APP_PASSWORD)
#                          the users' passwords; REQUIRED in secure mode (one missing: exit 2
#                          before anything is changed)
#   COCKROACH_LICENSE_KEY  the licence key (a Secret): Enterprise, Enterprise Free or Trial.
#                          Since v24.3 a cluster without one is throttled (5 concurrent
#                          transactions) 7 days after init; Free and Trial need telemetry.
#                          REQUIRED: without it the job fails (exit 3) before anything is
#                          changed, unless ALLOW_UNLICENSED=true
#   ALLOW_UNLICENSED       "true": go on without a licence (evaluation; a loud warning)
#   COCKROACH_ORGANIZATION cluster.organization, when the licence was issued with one
#   COCKROACH_TELEMETRY    "true" (default; required by Enterprise Free and Trial) or "false"
#                          (allowed with a paid Enterprise licence only)
#   SHUTDOWN_INITIAL_WAIT, SHUTDOWN_CONNECTIONS_TIMEOUT, SHUTDOWN_TRANSACTIONS_TIMEOUT
#                          the drain settings of cluster.sql       (default "15s", "150s", "75s")
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
  sql="${sql//__SHUTDOWN_CONNECTIONS_TIMEOUT__/${SHUTDOWN_CONNECTIONS_TIMEOUT:-150s}}"
  sql="${sql//__SHUTDOWN_TRANSACTIONS_TIMEOUT__/${SHUTDOWN_TRANSACTIONS_TIMEOUT:-75s}}"
  printf '%s\n' "${sql//__CTX__/$2}"
}

if [ "${1:-}" = render ]; then
  render "$2" "$3"
  exit 0
fi

host="${COCKROACH_HOST:-haproxy:26257}"
sql() { "${COCKROACH_BIN:-/cockroach/cockroach}" sql --host="$host" "$@"; }
quote() { local s="${1//\'/\'\'}"; printf "'%s'" "$s"; }
contexts="${SETUP_CONTEXTS-account data image}"
cluster_settings="${CLUSTER_SETTINGS:-true}"

# Refuse before changing anything: a secure cluster with a passwordless user, or no licence.
if [ "${COCKROACH_INSECURE:-false}" != true ]; then
  for ctx in $contexts; do
    for who in migrator app; do
      var="${ctx^^}_${who^^}_PASSWORD"
      if [ -z "${!var:-}" ]; then
        echo "secure mode: $var is empty: every context user needs a password (k8s: Secret ${ctx}-db, key ${who}-password)" >&2
        exit 2
      fi
    done
  done
fi
if [ "$cluster_settings" != false ] && [ -z "${COCKROACH_LICENSE_KEY:-}" ]; then
  if [ "${ALLOW_UNLICENSED:-false}" != true ]; then
    echo "no COCKROACH_LICENSE_KEY: CockroachDB throttles an unlicensed cluster to 5 concurrent transactions 7 days after init; set the licence, or ALLOW_UNLICENSED=true to evaluate without one" >&2
    exit 3
  fi
  echo "WARNING: no COCKROACH_LICENSE_KEY (ALLOW_UNLICENSED=true): CockroachDB throttles this cluster 7 days after init" >&2
fi

if [ "$cluster_settings" != false ]; then
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
  fi
fi

# v26.1 creates tables schema_locked by default (create_table_with_schema_locked = on), and some
# schema changes cannot unlock a table by themselves
# (https://www.cockroachlabs.com/docs/v26.1/online-schema-changes,
# https://www.cockroachlabs.com/docs/v26.1/with-storage-parameter): the migrator's sessions
# create tables unlocked, on servers that have the variable (v25.3 and later; older ones refuse
# to SET a variable they do not know, so it is looked up first). CockroachDB only.
schema_locked_variable() {
  [ "$cluster_settings" != false ] || return 1
  sql --format=csv -e "SELECT count(*) AS n FROM pg_catalog.pg_settings WHERE name = 'create_table_with_schema_locked'" | tail -n 1 | grep -qx 1
}

for ctx in $contexts; do
  if ! [[ "$ctx" =~ ^[a-z_][a-z0-9_]*$ ]]; then echo "unsafe database name: $ctx" >&2; exit 2; fi
  echo "setting up database $ctx (users ${ctx}_migrator, ${ctx}_app)"
  render "$dir/setup.sql" "$ctx" | sql
  render "$dir/setup-database.sql" "$ctx" | sql --database="$ctx"
  if schema_locked_variable; then
    printf 'ALTER ROLE "%s_migrator" SET create_table_with_schema_locked = false;\n' "$ctx" | sql
  fi
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
