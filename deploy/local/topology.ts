/**
 * What `npm start` runs: REPLICAS processes of each service (the shape deploy/k8s ships is 2),
 * over the same databases. Replica k (0-based) of a service whose port is P listens on
 * P + 10·k: gateways 4000, 4010; account 4001, 4011; data 4002, 4012; image 4003, 4013.
 * Pure: the launcher (start.ts) and the preflight (preflight.ts) both read this plan.
 */
import { CONTEXTS, type Config, type ContextName } from '../../platform/config';

export type ServiceKind = ContextName | 'gateway';

export interface Instance {
  kind: ServiceKind;
  /** 0-based replica number. */
  replica: number;
  /** Its name in logs and progress lines: `data-subgraph`, `data-subgraph-2` for replica 1 (second). */
  name: string;
  port: number;
  /** The variable that moves it (its replica k listens on that port + 10·k). */
  portVariable: 'GATEWAY_PORT' | 'ACCOUNT_PORT' | 'DATA_PORT' | 'IMAGE_PORT';
  /** Its GraphQL URL. */
  url: string;
}

/** Replica k's port; 10 apart, so the four services' defaults (4000-4003) interleave without clashing. */
export const replicaPort = (base: number, replica: number) => base + 10 * replica;

const portVariableOf = (kind: ServiceKind) => `${kind.toUpperCase()}_PORT` as Instance['portVariable'];

function instance(config: Config, kind: ServiceKind, replica: number): Instance {
  const port = replicaPort(config.ports[kind], replica);
  const base = kind === 'gateway' ? 'gateway' : `${kind}-subgraph`;
  return {
    kind,
    replica,
    name: replica === 0 ? base : `${base}-${replica + 1}`,
    port,
    portVariable: portVariableOf(kind),
    url: `http://${config.host}:${port}/graphql`,
  };
}

/** Every process of the stack: the subgraphs' replicas (in CONTEXTS order), then the gateways. */
export function instances(config: Config): Instance[] {
  const replicas = Array.from({ length: config.replicas }, (_, k) => k);
  return [
    ...CONTEXTS.flatMap((c) => replicas.map((k) => instance(config, c, k))),
    ...replicas.map((k) => instance(config, 'gateway', k)),
  ];
}

/**
 * The variables one process gets on top of the launcher's environment (less database URLs,
 * which start.ts adds per context):
 * - its own port;
 * - one outbox relay per stack (account replica 0): a second one would be safe (rows are
 *   claimed under a lease, OUTBOX_LEASE_MS, so two relays never deliver one row at once) but
 *   adds nothing but contention on the outbox table;
 * - gateways, with REPLICAS > 1: every subgraph replica's URL, comma-separated, in
 *   ACCOUNT_SUBGRAPH_URL, DATA_SUBGRAPH_URL, IMAGE_SUBGRAPH_URL (the gateway spreads requests
 *   over them). With one replica nothing is set: a gateway finds each subgraph on its port.
 */
export function variablesOf(config: Config, svc: Instance): Record<string, string> {
  const vars: Record<string, string> = { [svc.portVariable]: String(svc.port) };
  if (svc.kind === 'account' && svc.replica > 0) vars.OUTBOX_RELAY = 'false';
  if (svc.kind === 'gateway' && config.replicas > 1) {
    const all = instances(config);
    for (const c of CONTEXTS) {
      vars[`${c.toUpperCase()}_SUBGRAPH_URL`] = all
        .filter((i) => i.kind === c)
        .map((i) => i.url)
        .join(',');
    }
  }
  return vars;
}
