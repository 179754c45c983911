/**
 * `npm run bench:memory`: does the gateway's memory stay bounded when every request is a
 * different document? Each distinct document fills the per-document caches (Apollo Server's
 * parsed and validated documents, @apollo/gateway's query plans, the metrics' operation
 * labels); unbounded, they grew the gateway's RSS without limit (BENCHMARKS.md, "Memory with
 * distinct documents"). This sends `--documents` (100,000) distinct named operations through a
 * kept-alive pool and reports the gateway's resident memory as it goes and its peak
 * (VmRSS / VmHWM from /proc), against `--bound` MiB; exit code 1 when the peak is above it.
 *
 * `--heap MiB` runs the gateway and the subgraphs with `--max-old-space-size` (as the image
 * does: deploy/Dockerfile, docs/memory.md): without it V8 sizes its heap from the machine's
 * memory and lets garbage pile up well past what is live before it collects. The subgraphs'
 * peak RSS is reported too (the documents the gateway sends them carry the client's aliases).
 *
 *   npm run bench:memory -- [--documents 100000] [--concurrency 16] [--bound 256] [--heap 192] [--tsx]
 */
import path from 'node:path';
import fs from 'node:fs';
import { Pool } from 'undici';
import { usageFailure, type CommandSpec } from '../tools/cli';
import { num, opt, parseArgs, UsageError } from './lib/args';
import { buildCompiled } from './lib/build';
import { startBenchCluster } from './lib/cluster';
import { peakRssMiB } from './lib/proc';
import { startStack } from './lib/services';

const RESULTS = path.resolve(__dirname, 'results');
const log = (msg: string) => process.stdout.write(`[memory] ${msg}\n`);

function rssMiB(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

/** The gateway's V8 heap in use (live objects and garbage not yet collected), from its /metrics. */
async function heapUsedMiB(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const bytes = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
  return bytes ? Number(bytes) / 2 ** 20 : Number.NaN;
}

/** Document `i`: its own operation name and alias, one plan over two subgraphs. */
const documentOf = (i: number, accounts: number) =>
  `query Doc${i} { account(id: "${10_000 + (i % accounts)}") { id a${i}: name events { eventName } } }`;

const COMMAND = {
  script: 'bench:memory',
  summary: `Whether the gateway's memory stays bounded when every request is a different document:
sends distinct named operations and reports the gateway's resident memory and its peak.`,
  options: {
    documents: opt('N', 'distinct documents sent (default 100000)'),
    concurrency: opt('N', 'requests in flight (default 16)'),
    bound: opt('MiB', 'the peak RSS allowed; above it exit 1 (default 256)'),
    heap: opt('MiB', "the gateway's --max-old-space-size (default: V8's own)"),
    tsx: { type: 'boolean', help: "run the services' TypeScript through tsx" },
  },
  exitCodes: { 0: 'the peak stayed within --bound', 1: 'above --bound, or failed' },
} satisfies CommandSpec;

async function main(): Promise<void> {
  const args = parseArgs(COMMAND);
  const documents = num(args, 'documents', 100_000, 1, 10_000_000);
  const concurrency = num(args, 'concurrency', 16, 1, 256);
  const bound = num(args, 'bound', 256, 16, 65_536);
  const heap = args.flags.has('heap') ? num(args, 'heap', 192, 32, 65_536) : undefined;
  const accounts = 100;
  const build = args.flags.get('tsx') === true ? undefined : buildCompiled(log);
  const cluster = await startBenchCluster(accounts, log);
  const logDir = path.join(RESULTS, 'logs', `memory-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  try {
    // The deployed setting: every process of the image gets the bound (deploy/Dockerfile).
    const bounded = heap ? [`--max-old-space-size=${heap}`] : undefined;
    const nodeArgs = bounded && { gateway: bounded, account: bounded, data: bounded, image: bounded };
    const stack = await startStack({ urls: cluster.urls, logDir, relay: false, build: build?.dir, nodeArgs });
    const pid = stack.gateway.pid;
    const pool = new Pool(stack.gateway.baseUrl, { connections: concurrency });
    try {
      const send = async (i: number) => {
        const res = await pool.request({
          path: '/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: documentOf(i, accounts) }),
        });
        const body = (await res.body.json()) as {
          data?: { account?: { id?: string } };
          errors?: { message: string }[];
        };
        if (res.statusCode !== 200 || body.errors || !body.data?.account?.id)
          throw new Error(`document ${i}: ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`);
      };
      await send(0);
      const start = rssMiB(pid);
      log(
        `gateway pid ${pid}${heap ? ` (--max-old-space-size=${heap})` : ''}: RSS ${start.toFixed(0)} MiB after one request; sending ${documents} distinct documents, ${concurrency} at a time`,
      );
      const samples: [number, number, number][] = [[0, start, await heapUsedMiB(stack.gateway.baseUrl)]];
      let next = 1;
      const started = Date.now();
      const every = Math.max(1, Math.floor(documents / 20));
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < documents) {
            const i = next++;
            await send(i);
            if (i % every === 0) {
              const rss = rssMiB(pid);
              const heapUsed = await heapUsedMiB(stack.gateway.baseUrl);
              samples.push([i, rss, heapUsed]);
              log(
                `${String(i).padStart(8)} documents  RSS ${rss.toFixed(0)} MiB  heap used ${heapUsed.toFixed(0)} MiB  (${Math.round(i / ((Date.now() - started) / 1000))} documents/s)`,
              );
            }
          }
        }),
      );
      const end = rssMiB(pid);
      const peak = peakRssMiB(pid);
      // The subgraphs see the client's aliases in their documents: distinct documents for them too.
      const subgraphPeaks = Object.fromEntries(
        Object.entries(stack.subgraphs).map(([name, svc]) => [name, peakRssMiB(svc.pid)]),
      );
      log(
        `subgraphs' peak RSS: ${Object.entries(subgraphPeaks)
          .map(([name, mib]) => `${name} ${mib.toFixed(0)} MiB`)
          .join(', ')}`,
      );
      samples.push([documents, end, await heapUsedMiB(stack.gateway.baseUrl)]);
      const seconds = (Date.now() - started) / 1000;
      log(
        `done: ${documents} documents in ${seconds.toFixed(0)} s; RSS ${start.toFixed(0)} MiB at the start, ${end.toFixed(0)} MiB at the end, peak ${peak.toFixed(0)} MiB; bound ${bound} MiB: ${peak <= bound ? 'within' : 'EXCEEDED'}`,
      );
      fs.mkdirSync(RESULTS, { recursive: true });
      fs.writeFileSync(
        path.join(RESULTS, 'memory-documents.json'),
        `${JSON.stringify({ documents, concurrency, boundMiB: bound, heapMiB: heap ?? null, startMiB: start, endMiB: end, peakMiB: peak, subgraphPeakMiB: subgraphPeaks, seconds, samples }, null, 2)}\n`,
      );
      if (peak > bound) process.exitCode = 1;
    } finally {
      await pool.close();
      await stack.stop();
    }
  } finally {
    await cluster.stop();
    build?.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? usageFailure(COMMAND, err.message) : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
