/**
 * The REST shim's part of the corpus of tests/bad-input.e2e.ts (bad-input-corpus.ts has the
 * GraphQL part and the Case type): bad bodies, names and ids sent to the old service's routes.
 */
import { bigBody, type Case, type Senders } from './bad-input-corpus';

/** The cases; `P` prefixes every name it could write, `MAX_BODY` is the stack's body limit. */
export function restCorpus(s: Senders, P: string, MAX_BODY: number): Record<string, Case> {
  const { rest } = s;
  return {
    'REST: POST /accounts with malformed JSON': {
      send: () => rest('POST', '/accounts', '{"name": '),
      status: 400,
      message: /not valid JSON/,
    },
    'REST: POST /accounts with an array': {
      send: () => rest('POST', '/accounts', JSON.stringify([{ name: `${P}arr` }])),
      status: 400,
      message: /must be a JSON object/,
    },
    'REST: POST /accounts with null': {
      send: () => rest('POST', '/accounts', 'null'),
      status: 400,
      message: /must be a JSON object/,
    },
    // No content type from a client that is not a browser page: read as JSON, as P13 did.
    'REST: POST /accounts without a body (nor a content type)': {
      send: () => rest('POST', '/accounts'),
      status: 400,
      message: /POST body must be a JSON object/,
    },
    'REST: POST /accounts without a name': {
      send: () => rest('POST', '/accounts', JSON.stringify({ nom: `${P}x` })),
      status: 400,
      message: /missing required field: name/,
    },
    'REST: POST /accounts with a numeric name': {
      send: () => rest('POST', '/accounts', '{"name": 5}'),
      status: 400,
      message: /missing required field: name/,
    },
    'REST: POST /accounts with a control character': {
      send: () => rest('POST', '/accounts', JSON.stringify({ name: `${P}\u0000` })),
      status: 400,
      message: /control characters/,
    },
    'REST: POST /accounts with a 201-character name': {
      send: () => rest('POST', '/accounts', JSON.stringify({ name: 'n'.repeat(201) })),
      status: 400,
      message: /at most 200 characters/,
    },
    'REST: POST /accounts with an oversized body': {
      send: () => rest('POST', '/accounts', bigBody(P, MAX_BODY)),
      status: 413,
      message: /exceeds the limit/,
    },
    'REST: GET /accountsbyname/ with NUL': {
      send: () => rest('GET', '/accountsbyname/Person%00'),
      status: 400,
      message: /namePrefix must not contain control characters/,
    },
    'REST: POST /accounts with a right-to-left override': {
      send: () => rest('POST', '/accounts', JSON.stringify({ name: `${P}\u202Egnp.exe` })),
      status: 400,
      message: /bidirectional/,
    },
    'REST: PUT /accounts without an id': {
      send: () => rest('PUT', '/accounts', JSON.stringify({ name: `${P}x` })),
      status: 400,
      message: /missing required field: ID/,
    },
    'REST: PUT /accounts with a control character': {
      send: () => rest('PUT', '/accounts', JSON.stringify({ ID: `${P}x`, name: 'a\u0000' })),
      status: 400,
      message: /control characters/,
    },
    'REST: GET /accounts/ with an id of 10,000 characters': {
      send: () => rest('GET', `/accounts/${'i'.repeat(10_000)}`),
      status: 400,
      message: /id must be at most 128 characters/,
    },
    // A method a legacy path does not take (PUT /accounts/:id, DELETE, PATCH) is a 405 with the old
    // router's empty body, so it has no message for this corpus: tests/rest-contract.e2e.ts covers it.
    'REST: GET /accounts/ with invalid percent-encoding': {
      send: () => rest('GET', '/accounts/%E0%A4%A'),
      status: 400,
      message: /^400 Bad Request$/, // net/http's own answer, as the old service gave it
    },
  };
}
