/**
 * A suite's subgraphs on one node:http server on 127.0.0.1, each at `/<suite id>/<subgraph
 * name>` as upstream's fets router mounts them (src/supergraph.ts), so the composed supergraph
 * names the same paths as upstream's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditSuite } from './supergraph';

export interface ServedSuite {
  /** Each subgraph's URL, by name. */
  urls: Record<string, string>;
  close(): Promise<void>;
}

export async function serveSuite(suite: AuditSuite): Promise<ServedSuite> {
  const byPath = new Map(suite.subgraphs.map((s) => [`/${suite.id}/${s.name}`, s]));
  const server = http.createServer((req, res) => {
    const subgraph = byPath.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!subgraph) {
      res.writeHead(404).end();
      return;
    }
    void subgraph.yoga()(req, res);
  });
  // Port 0: the kernel binds a free port at once (as tests/harness/stack.ts starts in-process servers).
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    urls: Object.fromEntries(suite.subgraphs.map((s) => [s.name, `${origin}/${suite.id}/${s.name}`])),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
