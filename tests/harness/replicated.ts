/**
 * The replicated topology that ships (deploy/k8s: 2 gateways, 2 replicas of each subgraph),
 * on one machine, over the test databases: N processes of each subgraph (processes.ts: real
 * child processes, so a test can SIGSTOP or SIGKILL one) and N gateways, each given every
 * subgraph's replicas as a URL list (gateway/upstream/replicas.ts balances over them). Everything is
 * signed with a shared secret, as in production. The gateways run in this process as real HTTP
 * servers, each with its own state (dedup, coalescing, breakers): nothing is shared between
 * them but the subgraphs, as between two gateway pods. Ports are free ones (the fixed-port
 * layout, replica k on P + 10·k, is `REPLICAS=N npm start`'s).
 */
import { randomBytes } from 'node:crypto';
import { freePort } from '../../prisma/tools/local/scratch';
import { CONTEXTS, loadConfig, type ContextName } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { Metrics } from '../../platform/metrics';
import { gatewayOptionsFrom, startGateway, type RunningGateway } from '../../gateway/server';
import { spawnSubgraph, waitReady, type SubgraphProcess } from './processes';

export interface ReplicatedGateway extends RunningGateway {
  /** This gateway's own registry (its coalescing and dedup counters). */
  metrics: Metrics;
}

export interface Replicated {
  gateways: ReplicatedGateway[];
  subgraphs: Record<ContextName, SubgraphProcess[]>;
  secret: string;
  /** Every subgraph process's output, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

export interface ReplicatedOptions {
  /** Gateways, and processes of each subgraph. @default 2 */
  replicas?: number;
  /** Extra environment of the gateways' configuration (e.g. SUBGRAPH_TIMEOUT_MS). */
  gatewayEnv?: Record<string, string>;
}

export async function startReplicated(opts: ReplicatedOptions = {}): Promise<Replicated> {
  const n = opts.replicas ?? 2;
  const secret = randomBytes(32).toString('hex');
  const ports = Object.fromEntries(
    await Promise.all(
      CONTEXTS.map(async (c) => [c, await Promise.all(Array.from({ length: n }, () => freePort()))] as const),
    ),
  ) as Record<ContextName, number[]>;
  const urls = (c: ContextName) => ports[c].map((p) => `http://127.0.0.1:${p}/graphql`);
  const subgraphs = Object.fromEntries(
    CONTEXTS.map((c) => [
      c,
      ports[c].map((port, k) =>
        spawnSubgraph(c, port, {
          SUBGRAPH_SECRET: secret,
          INSTANCE_NAME: `${c}-${k}`,
          LOG_LEVEL: 'warn',
          // The account processes' outbox relays deliver to the data subgraph (its first replica).
          ...(c === 'account' ? { DATA_SUBGRAPH_URL: urls('data').join(','), OUTBOX_POLL_MS: '100' } : {}),
        }),
      ),
    ]),
  ) as Record<ContextName, SubgraphProcess[]>;
  const all = CONTEXTS.flatMap((c) => subgraphs[c]);
  const output = () => all.map((p) => `--- ${p.context} ${p.baseUrl}\n${p.output()}`).join('\n');
  const gateways: ReplicatedGateway[] = [];
  const stop = async () => {
    for (const g of gateways) await g.stop();
    for (const p of all) p.child.kill('SIGCONT'); // a frozen one must run to exit
    await Promise.all(all.map((p) => p.kill('SIGTERM')));
  };
  try {
    await Promise.all(all.map((p) => waitReady(p, 90_000)));
    const log = createLogger('test', process.env.LOG_LEVEL ?? 'warn');
    const config = loadConfig({
      ...process.env,
      ...opts.gatewayEnv,
      SUBGRAPH_SECRET: secret,
      ACCOUNT_SUBGRAPH_URL: urls('account').join(','),
      DATA_SUBGRAPH_URL: urls('data').join(','),
      IMAGE_SUBGRAPH_URL: urls('image').join(','),
    });
    for (let k = 0; k < n; k++) {
      const metrics = new Metrics();
      const gateway = await startGateway({
        ...gatewayOptionsFrom(config, log),
        host: '127.0.0.1',
        port: 0,
        composeAtStart: true,
        metrics,
      });
      gateways.push({ ...gateway, metrics });
    }
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output()}`, { cause: err });
  }
  return { gateways, subgraphs, secret, output, stop };
}

/** A counter's value on a gateway's registry (summed over its labels). */
export async function counter(gateway: ReplicatedGateway, name: string): Promise<number> {
  const metric = gateway.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}
