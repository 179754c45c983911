/**
 * Smoke test of the load and fault lab (bench/) against real parts, without timing assertions:
 * a report folder (summary.json, report.html, and chart.png through headless Chromium when
 * /usr/bin/chromium is there), the two baselines (REST fan-out, limit) answering exactly
 * the gateway's JSON for one account, and the Grafbase peer (its binary from npm) answering the
 * gateway's JSON for the view, the page and the hot document. The lab's pure parts: bench.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fanoutAggregate } from './baselines/rest-fanout';
import { limitAggregate } from './baselines/limit';
import { accountListener, listen } from './baselines/serve';
import { CHROMIUM } from './report/png';
import { writeReport } from './report/write';
import { graphqlBody } from './load/spec';
import { syntheticSamples } from './testing/samples';
import { insertAccounts, insertEvents, insertImages, removeFixtures, uniquePrefix } from '../tests/harness/fixtures';
import { testDatabaseUrls } from '../tests/harness/db';
import { startStack, type Stack } from '../tests/harness/stack';
import { freePort } from '../prisma/tools/local/scratch';
import { startService } from './lib/services';
import { grafbaseService } from './baselines/grafbase';

describe('reports', () => {
  const samples = syntheticSamples();

  test('a report folder: summary.json, report.html and chart.png', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
    try {
      const out = await writeReport(
        {
          scenario: 'synthetic',
          command: 'jest',
          samples,
          durationMs: 6_000,
          headline: { failed: 19 },
          marks: [{ t: 2_400, label: 'kill' }],
        },
        dir,
      );
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
      expect(summary.seconds).toHaveLength(6);
      expect(Object.keys(summary.percentiles)).toEqual(['all', 'create', 'read']);
      const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<script|<link|src="http/);
      if (fs.existsSync(CHROMIUM)) {
        expect(out.png).toBe(true);
        expect(fs.readFileSync(path.join(dir, 'chart.png')).subarray(1, 4).toString()).toBe('PNG');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('baselines answer exactly what the gateway answers', () => {
  const P = uniquePrefix('bench');
  const id = `${P}1`;
  let stack: Stack;

  beforeAll(async () => {
    const created = new Date('2021-03-04T05:06:07.089Z');
    await insertAccounts([{ id, name: `${P}name`, createdAt: created }]);
    await insertEvents([
      { id: `${P}e1`, accountId: id, eventName: 'CREATED', created },
      { id: `${P}e2`, accountId: id, eventName: 'UPDATED', created: new Date(created.getTime() + 1_000) },
    ]);
    await insertImages([{ accountId: id, url: `http://path.to.some.image/${P}.png` }]);
    stack = await startStack({ relay: false });
  });
  afterAll(async () => {
    await stack?.stop();
    await removeFixtures(P);
  });

  const gatewayGet = async (accountId: string) => {
    const res = await fetch(`http://127.0.0.1:${stack.gateway.port}/accounts/${encodeURIComponent(accountId)}`);
    return { status: res.status, text: await res.text() };
  };

  test('REST fan-out over the subgraphs, through its HTTP frame', async () => {
    const urls = {
      account: stack.subgraphs.account.url,
      data: stack.subgraphs.data.url,
      image: stack.subgraphs.image.url,
    };
    const server = await listen(accountListener(fanoutAggregate({ subgraphUrls: urls })));
    try {
      const expected = await gatewayGet(id);
      expect(expected.status).toBe(200);
      const got = await fetch(`${server.baseUrl}/accounts/${encodeURIComponent(id)}`);
      expect(got.status).toBe(200);
      expect(await got.text()).toBe(expected.text);
      const missing = await fetch(`${server.baseUrl}/accounts/${P}none`);
      expect({ status: missing.status, text: await missing.text() }).toEqual(await gatewayGet(`${P}none`));
    } finally {
      await server.close();
    }
  });

  test('the limit: one process reading the three databases', async () => {
    const limit = limitAggregate({ urls: testDatabaseUrls(), poolSize: 2, instanceName: 'test' });
    try {
      const expected = JSON.parse((await gatewayGet(id)).text);
      expect(await limit.aggregate(id)).toEqual({ body: expected, missing: [] });
      expect(await limit.aggregate(`${P}none`)).toBeNull();
    } finally {
      await limit.close();
    }
  });

  test('the page and hot shapes: our gateway answers them without errors, the page after its cursor', async () => {
    const post = async (body: string) =>
      (await (
        await fetch(stack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      ).json()) as {
        data?: { accounts: { edges: { node: { id: string } }[] } };
        errors?: unknown;
      };
    const page = await post(graphqlBody('page', id));
    expect(page.errors).toBeUndefined();
    expect(page.data!.accounts.edges.every((e) => e.node.id > id)).toBe(true);
    const hot = await post(graphqlBody('hot', id));
    expect(hot.errors).toBeUndefined();
    expect(graphqlBody('hot', 'a')).toBe(graphqlBody('hot', 'b'));
  });

  test('Grafbase Gateway (Rust), a peer of the bench: the same data for the three shapes', async () => {
    const post = async (url: string, body: string) =>
      (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as {
        data?: unknown;
        errors?: unknown;
      };
    const port = await freePort();
    const urls = {
      account: stack.subgraphs.account.url,
      data: stack.subgraphs.data.url,
      image: stack.subgraphs.image.url,
    };
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-grafbase-'));
    const probe = async (baseUrl: string) => (await fetch(`${baseUrl}/graphql?query=%7B__typename%7D`)).ok;
    const grafbase = await startService(
      grafbaseService({ name: 'grafbase', port, urls, logDir, env: {}, probe }),
      30_000,
    );
    try {
      for (const shape of ['view', 'page', 'hot'] as const) {
        const body = graphqlBody(shape, id);
        const ours = await post(stack.gateway.url, body);
        expect(ours.errors).toBeUndefined();
        const theirs = await post(`${grafbase.baseUrl}/graphql`, body);
        const blank = (x: unknown) => JSON.stringify(x).replace(/"servedBy":"[^"]*"/g, '"servedBy":"*"');
        expect(blank(theirs)).toBe(blank({ data: ours.data }));
      }
    } finally {
      await grafbase.stop();
      fs.rmSync(logDir, { recursive: true, force: true });
    }
  });
});
