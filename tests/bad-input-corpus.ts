/**
 * The corpus of tests/bad-input.e2e.ts: each bad input (broken transport, documents that fail
 * parsing, validation or a limit, bad variables, arguments the resolvers refuse, bad REST
 * requests), how it is sent and what answer it must get. Apart from the test so that the test
 * file reads as what it checks; the senders come from the test's running stack.
 */
import { JSON_HEADERS, request, type Reply } from './harness/request';

/** How the corpus reaches the gateway under test. */
export interface Senders {
  gql(query: string, variables?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<Reply>;
  raw(body: string, headers?: Record<string, string>): Promise<Reply>;
  get(query: string, headers?: Record<string, string>): Promise<Reply>;
  rest(method: string, path: string, body?: string): Promise<Reply>;
  /** The gateway's GraphQL URL. */
  url(): string;
}

const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');

const CREATE = 'mutation($name: String!) { createAccount(name: $name) { id } }';
const RENAME = 'mutation($id: ID!, $name: String!) { renameAccount(id: $id, name: $name) { id } }';
const RECORD = 'mutation($input: RecordAccountEventInput!) { recordAccountEvent(input: $input) { id } }';
const IMAGE = 'mutation($id: ID!, $url: String!) { setAccountImage(accountId: $id, url: $url) { url } }';
const BIG_VIEW =
  'accounts(first: 100) { edges { node { quote { text language servedBy } imageData { id url servedBy } events { id eventName created } } } }';
const bigBody = (P: string, bytes: number) =>
  JSON.stringify({ query: CREATE, variables: { name: `${P}${'x'.repeat(bytes)}` } });

export interface Case {
  send: () => Promise<Reply>;
  status: number;
  /** Acceptable extensions.code values of errors[0] (GraphQL answers), or the HTTP layer's error.code. */
  codes?: string[];
  message: RegExp;
}

const VALIDATION = ['GRAPHQL_VALIDATION_FAILED'];
const BAD_INPUT = ['BAD_USER_INPUT'];
/** A resolver's refusal: GraphQL over HTTP answers 200 with the error and no data. */
const refused = (send: () => Promise<Reply>, message: RegExp): Case => ({
  send,
  status: 200,
  codes: BAD_INPUT,
  message,
});

/** The cases, keyed by what each sends; `P` prefixes every name it could write, `MAX_BODY` is the stack's body limit. */
export function badInputCorpus(s: Senders, P: string, MAX_BODY: number): Record<string, Case> {
  const { gql, raw, get, rest } = s;
  return {
    'malformed JSON (cut short)': {
      send: () => raw('{"query": '),
      status: 400,
      codes: BAD_INPUT,
      message: /not valid JSON/,
    },
    'malformed JSON (unquoted key)': {
      send: () => raw('{query: "{ __typename }"}'),
      status: 400,
      message: /not valid JSON/,
    },
    'malformed JSON (trailing comma)': {
      send: () => raw('{"query": "{ __typename }",}'),
      status: 400,
      message: /not valid JSON/,
    },
    'malformed JSON (not JSON at all)': {
      send: () => raw('DROP TABLE accounts'),
      status: 400,
      message: /not valid JSON/,
    },
    'JSON that is not an object (a string)': {
      send: () => raw('"{ __typename }"'),
      status: 400,
      message: /POST body|object|query/i,
    },
    'an empty JSON object': { send: () => raw('{}'), status: 400, message: /POST body missing/ },
    'an empty body': { send: () => raw(''), status: 400, message: /body|query/i },
    'a JSON array batch of operations': {
      send: () =>
        raw(JSON.stringify([{ query: CREATE, variables: { name: `${P}batch` } }, { query: '{ __typename }' }])),
      status: 400,
      message: /batch/i,
    },
    'query is not a string': {
      send: () => raw(JSON.stringify({ query: { a: 1 } })),
      status: 400,
      message: /queries must be strings/,
    },
    'a GraphQL syntax error': {
      send: () => gql(`mutation { createAccount(name: "${P}syntax") { id }`),
      status: 400,
      codes: ['GRAPHQL_PARSE_FAILED'],
      message: /Syntax Error/,
    },
    'an unknown field': {
      send: () => gql('{ account(id: "1") { id password } }'),
      status: 400,
      codes: VALIDATION,
      message: /Cannot query field "password"/,
    },
    'an unknown argument': {
      send: () => gql(`mutation { createAccount(name: "${P}arg", admin: true) { id } }`),
      status: 400,
      codes: VALIDATION,
      message: /Unknown argument "admin"/,
    },
    'a variable of the wrong type (object for ID)': {
      send: () => gql('query($id: ID!) { account(id: $id) { id } }', { id: { $ne: null } }),
      status: 400,
      codes: BAD_INPUT,
      message: /\$id.*ID/,
    },
    'a variable of the wrong type (string for Int)': {
      send: () => gql('query($n: Int) { accounts(first: $n) { edges { cursor } } }', { n: 'ten' }),
      status: 400,
      codes: BAD_INPUT,
      message: /\$n.*Int/,
    },
    'a variable of the wrong type (number for String)': {
      send: () => gql(CREATE, { name: 42 }),
      status: 400,
      codes: BAD_INPUT,
      message: /\$name.*String/,
    },
    'a missing required variable': {
      send: () => gql(CREATE, {}),
      status: 400,
      codes: BAD_INPUT,
      message: /\$name.*required/,
    },
    'variables that are not an object': {
      send: () => raw(JSON.stringify({ query: CREATE, variables: [`${P}arr`] })),
      status: 400,
      message: /variables/i,
    },
    'a mutation via GET': {
      send: () => get(`mutation { createAccount(name: "${P}get") { id } }`),
      status: 405,
      message: /mutation.*GET|GET.*mutation/i,
    },
    'a GET without a CSRF-safe header': {
      send: () => get('{ __typename }', {}),
      status: 400,
      codes: ['BAD_REQUEST'],
      message: /Cross-Site Request Forgery/,
    },
    'a huge query (tokens)': {
      send: () => gql(`{ ${many(6_000, () => 'a')} }`),
      status: 400,
      codes: ['QUERY_TOO_LARGE'],
      message: /Token limit of 5000/,
    },
    'a deep query': {
      send: () => gql('{ accounts { edges { node { quote { text } } } } }'),
      status: 400,
      codes: ['QUERY_TOO_DEEP'],
      message: /depth limit of 4/i,
    },
    'many aliases': {
      send: () => gql(`{ ${many(31, (i) => `a${i}: account(id: "${i}") { id }`)} }`),
      status: 400,
      codes: ['TOO_MANY_ALIASES'],
      message: /Aliases limit of 30/,
    },
    'many directives': {
      send: () => gql(`{ ${many(51, () => '__typename @include(if: true)')} }`),
      status: 400,
      codes: ['TOO_MANY_DIRECTIVES'],
      message: /Directives limit of 50/,
    },
    'a costly query': {
      send: () => gql(`{ a: ${BIG_VIEW} b: ${BIG_VIEW} c: ${BIG_VIEW} }`),
      status: 400,
      codes: ['QUERY_TOO_COSTLY'],
      message: /Cost limit of 20000/,
    },
    'an oversized body (content-length)': {
      send: () => raw(bigBody(P, MAX_BODY)),
      status: 413,
      message: new RegExp(`exceeds the limit of ${MAX_BODY} bytes`),
    },
    'an oversized body (chunked)': {
      send: () =>
        request(s.url(), {
          method: 'POST',
          headers: JSON_HEADERS,
          chunks: [bigBody(P, MAX_BODY / 2), ' '.repeat(MAX_BODY)],
        }),
      status: 413,
      message: new RegExp(`exceeds the limit of ${MAX_BODY} bytes`),
    },
    'an unknown operationName': {
      send: () => gql(`mutation A { createAccount(name: "${P}op") { id } }`, {}, { operationName: 'B' }),
      status: 400,
      codes: ['OPERATION_RESOLUTION_FAILURE'],
      message: /Unknown operation named "B"/,
    },
    'two operations and no operationName': {
      send: () => gql(`mutation A { createAccount(name: "${P}two") { id } } query B { __typename }`),
      status: 400,
      codes: ['OPERATION_RESOLUTION_FAILURE'],
      message: /operation name/i,
    },
    'a name with a control character (NUL)': refused(
      () => gql(CREATE, { name: `${P}a\u0000b` }),
      /name must not contain control characters/,
    ),
    'a name with a control character (ESC)': refused(
      () => gql(CREATE, { name: `${P}\u001b[31mred` }),
      /name must not contain control characters/,
    ),
    'a name of 201 characters': refused(
      () => gql(CREATE, { name: `${P}${'n'.repeat(201)}` }),
      /name must be at most 200 characters/,
    ),
    'an empty name': refused(() => gql(CREATE, { name: '   ' }), /name must not be empty/),
    'a name with a C1 control character (U+0085)': refused(
      () => gql(CREATE, { name: `${P}a\u0085b` }),
      /name must not contain control characters \(U\+0085 at position/,
    ),
    'a name with a lone surrogate': refused(
      () => gql(CREATE, { name: `${P}a\ud800b` }),
      /name must be valid Unicode text: it contains a lone surrogate \(U\+D800/,
    ),
    'a name with a lone low surrogate (sent as raw JSON)': refused(
      () => raw(`{"query": ${JSON.stringify(CREATE)}, "variables": {"name": "${P}x\\udc00"}}`).then((r) => r),
      /lone surrogate \(U\+DC00/,
    ),
    'a name with a right-to-left override (U+202E)': refused(
      () => gql(CREATE, { name: `${P}abc\u202Etxt.exe` }),
      /name must not contain bidirectional override or isolate characters \(U\+202E/,
    ),
    'a name with a first-strong isolate (U+2068)': refused(
      () => gql(CREATE, { name: `${P}\u2068x` }),
      /bidirectional override or isolate characters \(U\+2068/,
    ),
    'a namePrefix with NUL': refused(
      () => gql('query($p: String) { accounts(namePrefix: $p) { edges { cursor } } }', { p: 'Person\u0000' }),
      /namePrefix must not contain control characters \(U\+0000/,
    ),
    'a cursor that encodes NUL': refused(
      () =>
        gql('query($a: String) { accounts(after: $a) { edges { cursor } } }', {
          a: Buffer.from('c:1\u0000', 'utf8').toString('base64url'),
        }),
      /after is not a cursor returned by this API/,
    ),
    'a rename with a control character': refused(
      () => gql(RENAME, { id: `${P}x`, name: 'a\u0007b' }),
      /name must not contain control characters/,
    ),
    'an id of 10,000 characters': refused(
      () => gql(RENAME, { id: 'i'.repeat(10_000), name: `${P}long-id` }),
      /id must be at most 128 characters/,
    ),
    "the data context's internal write path (not in the public API)": {
      send: () => gql(RECORD, { input: { accountId: `${P}x`, eventName: "CREATED'; --" } }),
      status: 400,
      codes: ['GRAPHQL_VALIDATION_FAILED'],
      message: /Cannot query field "recordAccountEvent"|Unknown type "RecordAccountEventInput"/,
    },
    'an image URL with a javascript: scheme': refused(
      () => gql(IMAGE, { id: `${P}x`, url: 'javascript:alert(1)' }),
      /url must be an http or https URL/,
    ),
    'an image URL that is not a URL': refused(
      () => gql(IMAGE, { id: `${P}x`, url: '<script>alert(1)</script>' }),
      /url must be an absolute URL/,
    ),
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
