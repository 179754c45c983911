-- Cluster-wide settings, run once by setup.sh as an admin (CockroachDB only: PostgreSQL has
-- no cluster settings). Placeholders, replaced by setup.sh from its environment:
--   __SHUTDOWN_INITIAL_WAIT__         server.shutdown.initial_wait: how long a draining node
--                                     still accepts new SQL connections while reporting itself
--                                     not ready (/health?ready=1), so the load balancer takes it
--                                     out first. Longer than the load balancer's detection:
--                                     HAProxy checks every 2 s and needs 2 failures (4 s); the
--                                     Kubernetes readiness probe every 5 s, 2 failures (10 s).
--   __SHUTDOWN_CONNECTIONS_TIMEOUT__  server.shutdown.connections.timeout: how long it then
--                                     waits for clients to close their connections. Above the
--                                     pools' maximum connection lifetime (subgraphs/kit/
--                                     database.ts: 120 s +15 % jitter = 138 s), as CockroachDB
--                                     asks, so every client leaves by itself.
--   __SHUTDOWN_TRANSACTIONS_TIMEOUT__ server.shutdown.transactions.timeout: the longest each of
--                                     the two drain phases waits for open transactions. Above
--                                     the app role's idle_in_transaction_session_timeout (60 s,
--                                     setup.sql) and statement_timeout (10 s), as CockroachDB asks.
-- (https://www.cockroachlabs.com/docs/v25.2/node-shutdown#cluster-settings.)
-- terminationGracePeriodSeconds (330) and compose's stop_grace_period (330s) exceed
-- initial_wait + connections.timeout + 2 x transactions.timeout + the lease transfer
-- iteration (5 s): deploy/drain-numbers.test.ts checks the sums.
SET CLUSTER SETTING server.shutdown.initial_wait = '__SHUTDOWN_INITIAL_WAIT__';
SET CLUSTER SETTING server.shutdown.connections.timeout = '__SHUTDOWN_CONNECTIONS_TIMEOUT__';
SET CLUSTER SETTING server.shutdown.transactions.timeout = '__SHUTDOWN_TRANSACTIONS_TIMEOUT__';
-- The outbox claim runs at READ COMMITTED (subgraphs/account/outbox/store.ts); without this
-- CockroachDB silently runs it SERIALIZABLE, and concurrent relays retry on 40001.
SET CLUSTER SETTING sql.txn.read_committed_isolation.enabled = true;
