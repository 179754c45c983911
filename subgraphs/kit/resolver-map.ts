/**
 * The types of a subgraph's resolver map, as the kit sees it. A context types its resolvers
 * with the `Resolvers<Ctx>` generated from its SDL (tools/resolver-types.ts →
 * generated/graphql/<context>.ts), which checks every field, argument and result against
 * the schema; the kit only needs to know that they take the context it builds.
 *
 * @apollo/subgraph's public entry point exports `buildSubgraphSchema` but not the
 * `GraphQLResolverMap` type it takes (that lives under its dist/ folder, which is not API), so
 * `SchemaResolvers` reads the type off the function's public signature instead.
 */
import type { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolveInfo, GraphQLScalarType } from 'graphql';

/** The resolver map `buildSubgraphSchema({ typeDefs, resolvers })` accepts. */
export type SchemaResolvers = NonNullable<
  Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>['resolvers']
>;

/** A field resolver taking the context `Ctx` (whatever its parent and arguments). */
type FieldResolver<Ctx> = (parent: never, args: never, ctx: Ctx, info: GraphQLResolveInfo) => unknown;
/** Federation's `__resolveReference(reference, ctx, info)`. */
type ReferenceResolver<Ctx> = (reference: never, ctx: Ctx, info: GraphQLResolveInfo) => unknown;

/**
 * Resolvers over the context `Ctx`: per type either a scalar or resolvers taking `Ctx`. A
 * generated `Resolvers<Ctx>` fits; resolvers written for another context do not.
 */
export interface ContextResolvers<Ctx> {
  [typeName: string]:
    | GraphQLScalarType
    | {
        [fieldName: string]: FieldResolver<Ctx> | ReferenceResolver<Ctx> | { resolve: FieldResolver<Ctx> } | undefined;
      }
    | undefined;
}
