/**
 * The audit's runner: for each suite, its subgraphs on a local port (serve-suite.ts), its
 * supergraph composed with @apollo/composition (gateway/compose.ts) and written to a temporary
 * file, a gateway started on that file (gateways.ts), and every test query sent over HTTP
 * PASSES times in a row, each pass over the whole suite in order (upstream runs a suite's tests
 * one at a time). A second pass sends documents the gateway has seen once, so any path it takes
 * for known documents is audited too. A test passes when every pass's answer matches (compare.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeServiceSdls } from '../../gateway/compose';
import { verdictOf, type Answer, type Verdict } from './compare';
import type { AuditGateway } from './gateways';
import { serveSuite } from './serve-suite';
import type { AuditSuite } from './supergraph';

export const PASSES = 2;

export interface TestResult {
  /** `<suite id>_<index>`, upstream's test name. */
  id: string;
  query: string;
  /** One verdict per pass. */
  passes: Verdict[];
}

export interface SuiteResult {
  id: string;
  tests: TestResult[];
  /** Per pass, how many answers came from the gateway's lean path (when it has one). */
  leanAnswers: number[];
}

export const passed = (t: TestResult) => t.passes.every((p) => p.ok);

/** One POST as upstream's runner sends it (src/test.ts), with its 10 s deadline. */
async function ask(url: string, query: string): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    try {
      return { body: JSON.parse(text) as Extract<Answer, { body: unknown }>['body'] };
    } catch {
      return { failure: `HTTP ${res.status}, not JSON: ${text.slice(0, 200)}` };
    }
  } catch (err) {
    return { failure: (err as Error).message };
  }
}

export async function runSuite(suite: AuditSuite, gateway: AuditGateway): Promise<SuiteResult> {
  const served = await serveSuite(suite);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'federation-audit-'));
  try {
    const { supergraphSdl } = composeServiceSdls(
      suite.subgraphs.map((s) => ({ name: s.name, url: served.urls[s.name]!, sdl: s.typeDefs })),
    );
    const supergraphPath = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(supergraphPath, supergraphSdl);
    const running = await gateway(supergraphPath, served.urls);
    try {
      const tests: TestResult[] = [];
      const leanAnswers: number[] = [];
      for (let pass = 0; pass < PASSES; pass++) {
        const before = (await running.leanAnswers?.()) ?? 0;
        // Taken anew each pass, as upstream takes them for each run (supergraph.ts).
        const list = suite.tests();
        for (const [i, { query, expected }] of list.entries()) {
          const verdict = verdictOf(expected, await ask(running.url, query));
          const test = (tests[i] ??= { id: `${suite.id}_${i}`, query, passes: [] });
          test.passes.push(verdict);
        }
        leanAnswers.push(((await running.leanAnswers?.()) ?? 0) - before);
      }
      return { id: suite.id, tests, leanAnswers };
    } finally {
      await running.stop();
    }
  } finally {
    await served.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every suite, one after the other (each has its own subgraphs and gateway). */
export async function runAudit(suites: readonly AuditSuite[], gateway: AuditGateway): Promise<SuiteResult[]> {
  const results: SuiteResult[] = [];
  for (const suite of suites) results.push(await runSuite(suite, gateway));
  return results;
}
