/**
 * What the vendored suites import as `../../subgraph.js` (upstream: src/subgraph.ts): a subgraph
 * built as upstream builds it, `buildSubgraphSchema` served by graphql-yoga with
 * `maskedErrors: false`, any path being its GraphQL endpoint. Upstream mounts the yoga instance on
 * a fets router; here serve-suite.ts mounts it on node:http (fets is not installed).
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';

export interface AuditSubgraph {
  name: string;
  typeDefs: string;
  /** The yoga instance, built on first use (as upstream's lazyYoga). */
  yoga(): YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
}

export function createSubgraph(name: string, schemaParameters: { typeDefs: string; resolvers: any }): AuditSubgraph {
  let yoga: ReturnType<AuditSubgraph['yoga']> | undefined;
  return {
    name,
    typeDefs: schemaParameters.typeDefs,
    yoga: () =>
      (yoga ??= createYoga({
        schema: buildSubgraphSchema({
          typeDefs: parse(schemaParameters.typeDefs),
          resolvers: schemaParameters.resolvers,
        }),
        graphqlEndpoint: '*',
        logging: false,
        maskedErrors: false,
      })),
  };
}
