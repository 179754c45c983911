/**
 * A document without the operation the request names (or with several and no name) is the
 * client's mistake, refused with 400 before anything runs, on the gateway and the subgraphs
 * alike: @apollo/gateway throws it from its executor, and a subgraph's compiled executor
 * (subgraphs/kit/compiled-executor.ts) would run with no operation; either way Apollo Server
 * answered 500. The name is echoed clipped: a 500 kB name gets its first characters and its
 * length, not a 500 kB answer.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';

/** Longest operation name an error message repeats in full. */
export const ECHOED_NAME_CHARS = 64;

/** `name` quoted, or its first characters and its length when it is longer than ECHOED_NAME_CHARS. */
export const clippedName = (name: string) =>
  name.length <= ECHOED_NAME_CHARS
    ? JSON.stringify(name)
    : `${JSON.stringify(name.slice(0, ECHOED_NAME_CHARS))}… (${name.length} characters)`;

export const operationResolution: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request }) {
        if (operation) return;
        const message = request.operationName
          ? `Unknown operation named ${clippedName(request.operationName)}.`
          : 'Must provide operation name if query contains multiple operations.';
        throw new GraphQLError(message, {
          extensions: { code: ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE, http: { status: 400 } },
        });
      },
    };
  },
};
