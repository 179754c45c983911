-- Cluster-level setup of ONE bounded context, run as an admin (CockroachDB: root) connected
-- to any database. A template: deploy/sql/setup.sh replaces
--   __CTX__            the context (account | data | image): database "__CTX__",
--                      roles "__CTX___migrator" and "__CTX___app"
--   __IF_NOT_EXISTS__  "IF NOT EXISTS" on CockroachDB (re-runs are harmless); empty on
--                      PostgreSQL, which the tests run it on (deploy/sql-setup.e2e.ts)
-- Written in the subset CockroachDB and PostgreSQL both accept. No passwords here: an
-- insecure CockroachDB refuses to store one (setup.sh sets them in secure mode).

-- The migrator runs the context's migrations (DDL): it owns the database.
CREATE USER __IF_NOT_EXISTS__ "__CTX___migrator";
-- The app user is what the subgraph connects as: DML on its own tables, nothing else.
CREATE USER __IF_NOT_EXISTS__ "__CTX___app";

CREATE DATABASE __IF_NOT_EXISTS__ "__CTX__" OWNER "__CTX___migrator";

-- Nobody but these two may connect (PUBLIC has CONNECT on a new database by default).
REVOKE ALL ON DATABASE "__CTX__" FROM PUBLIC;
GRANT CONNECT ON DATABASE "__CTX__" TO "__CTX___app";

-- The app user's sessions, on CockroachDB as on PostgreSQL: no statement runs longer than
-- 10 s, no transaction sits idle for more than 60 s holding its locks (the subgraphs' requests
-- take milliseconds; the gateway gives up on a subgraph after 1 s).
ALTER ROLE "__CTX___app" SET statement_timeout = '10s';
ALTER ROLE "__CTX___app" SET idle_in_transaction_session_timeout = '60s';
