/**
 * Ports for a stack of REPLICAS processes per service, as `npm start` lays them out
 * (deploy/local/topology.ts: replica k of a service on port P listens on P + 10·k): four
 * service ports whose replicas' ports are free too, and a free port for the embedded PostgreSQL,
 * all below the kernel's range for outgoing connections.
 */
import net from 'node:net';
import { ephemeralPortStart } from '../../prisma/tools/local/scratch';

export function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

export const closeServer = (s: net.Server) => new Promise((resolve) => s.close(resolve));

export interface StackPorts {
  GATEWAY_PORT: string;
  ACCOUNT_PORT: string;
  DATA_PORT: string;
  IMAGE_PORT: string;
  EMBEDDED_PG_PORT: string;
}

/** GATEWAY_PORT, ACCOUNT_PORT, DATA_PORT, IMAGE_PORT (consecutive) and EMBEDDED_PG_PORT, all free with their replicas'. */
export async function stackPorts(replicas: number): Promise<StackPorts> {
  for (;;) {
    const span = 4 + 10 * (replicas - 1);
    const base = 20_000 + Math.floor(Math.random() * Math.max(1_000, ephemeralPortStart() - 20_000 - span));
    // The embedded PostgreSQL on base + 4, which no replica uses (they take base + 10·k … + 3).
    const wanted = [
      base + 4,
      ...Array.from({ length: replicas }, (_, k) => [0, 1, 2, 3].map((d) => base + d + 10 * k)).flat(),
    ];
    const free = await Promise.all(
      wanted.map((p) =>
        listen(p)
          .then(closeServer)
          .then(
            () => true,
            () => false,
          ),
      ),
    );
    if (free.every(Boolean))
      return {
        GATEWAY_PORT: String(base),
        ACCOUNT_PORT: String(base + 1),
        DATA_PORT: String(base + 2),
        IMAGE_PORT: String(base + 3),
        EMBEDDED_PG_PORT: String(base + 4),
      };
  }
}
