/**
 * GraphQL over HTTP, for clients of the legacy media type: a request that accepts
 * `application/json` (and not `application/graphql-response+json`) is answered 200 when the
 * request itself is in error (the document does not parse, does not validate, or a variable
 * does not coerce), as the spec recommends (a SHOULD): such clients read the errors from a 200
 * body and may treat any 4xx as a transport failure. A client that accepts
 * `application/graphql-response+json` keeps the 400, as does every other refusal (the query
 * limits, a bad header, a body that is not JSON: platform/http.ts answers those before this).
 * graphql-http's audit checks this (tests/graphql-over-http.e2e.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';

/** The request errors the spec means, by the code Apollo Server gives them. */
function isRequestError(e: { message: string; extensions?: Record<string, unknown> }): boolean {
  const code = e.extensions?.code;
  return (
    code === 'GRAPHQL_PARSE_FAILED' ||
    code === 'GRAPHQL_VALIDATION_FAILED' ||
    // Variable coercion: Apollo's BAD_USER_INPUT with graphql-js's "Variable "$x" got invalid value …".
    (code === 'BAD_USER_INPUT' && /^Variable "\$/.test(e.message))
  );
}

export function legacyJsonStatus<Ctx extends object>(): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart({ request }) {
      const accept = request.http?.headers.get('accept') ?? '';
      if (!/\bapplication\/json\b/i.test(accept) || /\bapplication\/graphql-response\+json\b/i.test(accept)) return;
      return {
        async willSendResponse({ response }) {
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (data === undefined && errors?.length && errors.every(isRequestError)) response.http.status = 200;
        },
      };
    },
  };
}
