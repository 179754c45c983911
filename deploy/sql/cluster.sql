-- Cluster-wide settings, run once by setup.sh as an admin (CockroachDB only: PostgreSQL has
-- no cluster settings). Placeholders, replaced by setup.sh from its environment:
--   __SHUTDOWN_INITIAL_WAIT__         server.shutdown.initial_wait: how long a draining node
--                                     still accepts new SQL connections while reporting itself
--                                     not ready (/health?ready=1), so the load balancer takes it
--                                     out first. Longer than the load balancer's detection:
--                                     HAProxy checks every 2 s and needs 2 failures (4 s); the
--                                     Kubernetes readiness probe every 5 s, 2 failures (10 s).
--   __SHUTDOWN_CONNECTIONS_TIMEOUT__  server.shutdown.connections.timeout: how long it then
--                                     waits for clients to close their connections (the pools
--                                     recycle theirs within 5 minutes) before closing them.
-- terminationGracePeriodSeconds (300) and compose's stop_grace_period (300s) leave room for
-- both plus the lease transfers that follow.
SET CLUSTER SETTING server.shutdown.initial_wait = '__SHUTDOWN_INITIAL_WAIT__';
SET CLUSTER SETTING server.shutdown.connections.timeout = '__SHUTDOWN_CONNECTIONS_TIMEOUT__';
-- The outbox claim runs at READ COMMITTED (subgraphs/account/outbox/store.ts); without this
-- CockroachDB silently runs it SERIALIZABLE, and concurrent relays retry on 40001.
SET CLUSTER SETTING sql.txn.read_committed_isolation.enabled = true;
