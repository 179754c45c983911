/**
 * MICROBENCHMARK: CPU per `_entities` request in a subgraph's Apollo Server (no HTTP, no
 * database: resolvers answer from memory), with Apollo's default plugins (cache control
 * and inline tracing, both hooking every field) and with them disabled, as
 * subgraphs/kit/subgraph.ts does. `npx tsx bench/micro/subgraph-plugins.ts`
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Account @key(fields: "id") { id: ID! events: [Event!]! }
  type Event { id: ID! eventName: String! created: String! }
  type Query { ping: Boolean }
`);
const events = Array.from({ length: 2 }, (_, i) => ({
  id: `e${i}`,
  eventName: 'CREATED',
  created: '2026-01-01T00:00:00.000Z',
}));
const resolvers = {
  Account: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }), events: async () => events },
};
const query = 'query($r:[_Any!]!){_entities(representations:$r){... on Account{events{id eventName created}}}}';

async function measure(name: string, plugins: ApolloServerPlugin[]): Promise<void> {
  const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers }), plugins });
  await server.start();
  const run = (i: number) =>
    server.executeOperation({ query, variables: { r: [{ __typename: 'Account', id: String(i) }] } });
  for (let i = 0; i < 3_000; i++) await run(i);
  const n = 20_000;
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await run(i);
  const used = process.cpuUsage(cpu);
  console.log(`${name.padEnd(44)} ${(((used.user + used.system) / 1000 / n) * 1000).toFixed(0)} µs CPU per request`);
  await server.stop();
}

async function main(): Promise<void> {
  for (let round = 0; round < 2; round++) {
    await measure('default plugins (cache control, inline trace)', []);
    await measure('both disabled', [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled()]);
  }
}
void main();
