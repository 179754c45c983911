/**
 * MICROBENCHMARK: CPU per `_entities` request in a subgraph's Apollo Server (no HTTP, no
 * database: resolvers answer from memory, through a DataLoader-like batch as the real ones
 * do), graphql-js execution against compiled execution (subgraphs/kit/compiled-executor.ts,
 * through Apollo's gateway hook as subgraphs/kit/subgraph.ts wires it). One representation
 * (the aggregated view) and 50 (the hot page). Rounds alternate, the ratio is per round.
 * `npx tsx bench/micro/subgraph-executor.ts [--rounds 5]`
 */
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { compiledExecution, compiledExecutionGateway } from '../../subgraphs/kit/compiled-executor';
import { num, microArgs } from '../lib/args';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  scalar DateTime
  type Account @key(fields: "id") { id: ID! events(eventName: String): [AccountEvent!] eventCount: Int }
  type AccountEvent { id: ID! accountId: ID! eventName: String! created: DateTime! }
  type Query { ping: Boolean }
`);
const created = new Date('2026-01-01T00:00:00.000Z');
const eventsOf = (id: string) => [
  { id: `${id}-1`, accountId: id, eventName: 'CREATED', created },
  { id: `${id}-2`, accountId: id, eventName: 'UPDATED', created },
];
const resolvers = {
  DateTime: undefined,
  Account: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    events: async (a: { id: string }) => eventsOf(a.id),
    eventCount: async () => 2,
  },
  AccountEvent: { created: (e: { created: Date }) => e.created.toISOString() },
};
const query =
  'query($representations:[_Any!]!){_entities(representations:$representations){...on Account{events{id eventName created}}}}';

async function server(compiled: boolean) {
  const schema = buildSubgraphSchema({ typeDefs, resolvers: { ...resolvers, DateTime: undefined } as never });
  const plugins = [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled()];
  const s = compiled
    ? new ApolloServer({ gateway: compiledExecutionGateway(schema, compiledExecution(schema).executor), plugins })
    : new ApolloServer({ schema, plugins });
  await s.start();
  return s;
}

async function cpuPerRequest(s: ApolloServer, reps: number, n: number): Promise<number> {
  const run = (i: number) =>
    s.executeOperation({
      query,
      variables: {
        representations: Array.from({ length: reps }, (_, k) => ({ __typename: 'Account', id: `${i + k}` })),
      },
    });
  const check = await run(0);
  if (check.body.kind !== 'single' || check.body.singleResult.errors) throw new Error(JSON.stringify(check.body));
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await run(i);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

async function main(): Promise<void> {
  const rounds = num(microArgs('subgraph-executor'), 'rounds', 5, 1, 50);
  const servers = { 'graphql-js': await server(false), compiled: await server(true) };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const reps of [1, 50]) {
    const n = reps === 1 ? 10_000 : 1_000;
    for (const s of Object.values(servers)) await cpuPerRequest(s, reps, n); // warm-up
    const rows: Record<string, number[]> = { 'graphql-js': [], compiled: [] };
    for (let r = 0; r < rounds; r++)
      for (const [name, s] of Object.entries(servers)) rows[name]!.push(await cpuPerRequest(s, reps, n));
    const ratio = rows.compiled!.map((c, i) => c / rows['graphql-js']![i]!);
    console.log(
      `${reps} representation(s): graphql-js ${median(rows['graphql-js']!).toFixed(0)} µs, compiled ${median(rows.compiled!).toFixed(0)} µs CPU per request; ` +
        `compiled / graphql-js ×${median(ratio).toFixed(2)} (${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)})`,
    );
  }
  for (const s of Object.values(servers)) await s.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
