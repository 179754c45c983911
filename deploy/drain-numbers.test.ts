/**
 * The numbers of a CockroachDB node's drain, tied together: change one and a test here fails.
 * CockroachDB asks (https://www.cockroachlabs.com/docs/v25.2/node-shutdown#cluster-settings):
 * - server.shutdown.connections.timeout above the client pools' maximum connection lifetime;
 * - server.shutdown.transactions.timeout above the longest transaction, the
 *   idle-in-transaction timeout and the statement timeout;
 * - the termination grace period at least the sum initial_wait + connections.timeout +
 *   2 × transactions.timeout + lease_transfer_iteration.timeout (default 5 s), plus 5 s.
 * Sources: deploy/sql (setup.sh's defaults, setup.sql's role settings), the k8s sql-setup Job
 * and StatefulSet, the compose file, and the pools of subgraphs/kit/database.ts.
 */
import { longestPoolLifetimeSeconds } from '../subgraphs/kit/database';
import { loadYaml, readRepo, repoPath, type Doc } from './testing/helpers';
import { find, mainContainer, podSpec, resolvedEnv } from './testing/k8s-manifests';

/** server.shutdown.lease_transfer_iteration.timeout's default (node-shutdown page). */
const LEASE_TRANSFER_ITERATION_S = 5;

const seconds = (d: string) => {
  const m = /^(\d+)(s|m)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
};

const setupSh = readRepo('deploy/sql/setup.sh');
const shDefault = (name: string) => {
  const m = new RegExp(`\\$\\{${name}:-([0-9]+[sm])\\}`).exec(setupSh);
  if (!m) throw new Error(`setup.sh has no default for ${name}`);
  return m[1]!;
};
const roleSetting = (name: string) => {
  const m = new RegExp(`ALTER ROLE "__CTX___app" SET ${name} = '([0-9]+[sm]|[0-9]+min)'`).exec(
    readRepo('deploy/sql/setup.sql'),
  );
  if (!m) throw new Error(`setup.sql sets no ${name}`);
  return seconds(m[1]!.replace('min', 'm'));
};

const NAMES = ['SHUTDOWN_INITIAL_WAIT', 'SHUTDOWN_CONNECTIONS_TIMEOUT', 'SHUTDOWN_TRANSACTIONS_TIMEOUT'] as const;
const k8sEnv = resolvedEnv(mainContainer(find('Job', 'sql-setup')));
const [compose] = loadYaml(repoPath('deploy/compose/docker-compose.yml')) as [Doc];
const composeEnv = compose.services['sql-setup'].environment as Record<string, string>;

test('setup.sh, the k8s Job and the compose service drain with the same numbers', () => {
  for (const n of NAMES) expect([n, k8sEnv[n], composeEnv[n]]).toEqual([n, shDefault(n), shDefault(n)]);
  expect(readRepo('deploy/sql/cluster.sql')).toMatch(
    /SET CLUSTER SETTING server\.shutdown\.transactions\.timeout = '__SHUTDOWN_TRANSACTIONS_TIMEOUT__'/,
  );
});

const [initialWait, connections, transactions] = NAMES.map((n) => seconds(shDefault(n))) as [number, number, number];

test('connections.timeout outlasts the longest pooled connection (lifetime + jitter)', () => {
  expect(longestPoolLifetimeSeconds()).toBeCloseTo(138);
  expect(connections).toBeGreaterThan(longestPoolLifetimeSeconds());
});

test("transactions.timeout outlasts the app role's idle-in-transaction and statement timeouts", () => {
  expect(transactions).toBeGreaterThan(roleSetting('idle_in_transaction_session_timeout'));
  expect(transactions).toBeGreaterThan(roleSetting('statement_timeout'));
});

test('the grace periods (k8s, compose) cover the whole drain plus 5 s', () => {
  const drain = initialWait + connections + 2 * transactions + LEASE_TRANSFER_ITERATION_S;
  const k8s = podSpec(find('StatefulSet', 'cockroachdb')).terminationGracePeriodSeconds as number;
  expect(k8s).toBeGreaterThanOrEqual(drain + 5);
  for (const node of ['roach1', 'roach2', 'roach3'])
    expect([node, seconds(compose.services[node].stop_grace_period as string)]).toEqual([node, k8s]);
});
