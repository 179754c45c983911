/**
 * The old account service's HTTP contract ("accountservice", port 6767), one route per
 * entry, each running one GraphQL operation on the composed graph. Every error is a text,
 * sent like the Go service's (under application/json: see go-http.ts), its code in
 * `x-error-code` (router.ts legacyError): a Go client decoding it into an Account fails as
 * it did. A write that lost to concurrent writes is a 409; a context that is down gives a
 * 503 when nothing useful can be answered, and fallbacks (see legacy.ts) otherwise.
 */
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import { ACCOUNT_SELECTION, PARTIAL_HEADER, RECORDED_EVENT_SELECTION, toLegacy, type GraphAccount } from './legacy';
import { legacyError, type GraphQLResult, type RestResponse, type RestRoute } from './router';

/** Accounts one /accountsbyname answer may cover (pages of 100). */
export const MAX_ACCOUNTS_BY_NAME = 20_000;

/** A field of a JSON body, matched without regard to case (the last match wins), as Go's encoding/json does. */
function field(body: unknown, name: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const key = Object.keys(body).findLast((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (body as Record<string, unknown>)[key];
}

function requireObject(body: unknown, method: string): RestResponse | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return legacyError(ErrorCode.BAD_USER_INPUT, `${method} body must be a JSON object`);
  return undefined;
}

const withCode = (errors: readonly GraphQLFormattedError[] | undefined, code: ErrorCode) =>
  errors?.find((e) => e.extensions?.code === code);

/** A write that kept losing serialization conflicts to concurrent writes: nothing was written, the client may retry. */
function conflict(errors: readonly GraphQLFormattedError[] | undefined): RestResponse | undefined {
  if (!withCode(errors, ErrorCode.TRANSACTION_CONFLICT)) return undefined;
  return legacyError(
    ErrorCode.TRANSACTION_CONFLICT,
    'the account was being changed by concurrent requests and this change lost to them; nothing was written, try again',
  );
}

/** Maps an answer whose account is missing: client error, unknown id, or the account context down. */
function failure(errors: readonly GraphQLFormattedError[] | undefined, id: string): RestResponse {
  const bad = withCode(errors, ErrorCode.BAD_USER_INPUT);
  if (bad) return legacyError(ErrorCode.BAD_USER_INPUT, bad.message);
  if (!errors?.length || withCode(errors, ErrorCode.NOT_FOUND))
    return legacyError(ErrorCode.NOT_FOUND, `Account identified by '${id}' not found`);
  return conflict(errors) ?? unavailable(errors);
}

/** The account context did not answer a read: 503, the first error's code (SUBGRAPH_UNAVAILABLE, ...) in the header. */
function unavailable(errors: readonly GraphQLFormattedError[] | undefined): RestResponse {
  const code = (errors?.[0]?.extensions?.code as string | undefined) ?? ErrorCode.SUBGRAPH_UNAVAILABLE;
  const why = errors?.map((e) => e.message).join('; ') ?? '';
  return legacyError(code as ErrorCode, `the account context is unavailable; try again later (${why})`, 503);
}

/** Codes after which the write certainly did not happen. */
const NOT_WRITTEN = [ErrorCode.SUBGRAPH_UNAVAILABLE, ErrorCode.DATABASE_UNAVAILABLE];

/**
 * Maps a failed write: what the client did wrong (400, 422, 409), what certainly was not
 * written (503), and everything else as what it is: outcome unknown (504), with how to find out.
 * `lookUp`: how the client can check whether the write happened.
 */
function writeFailed(
  errors: readonly GraphQLFormattedError[] | undefined,
  what: string,
  lookUp: string,
): RestResponse | undefined {
  const details = errors?.map((e) => e.message).join('; ') ?? '';
  for (const code of [
    ErrorCode.BAD_USER_INPUT,
    ErrorCode.IDEMPOTENCY_KEY_REUSED,
    ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
  ]) {
    const refused = withCode(errors, code);
    if (refused) return legacyError(code, refused.message);
  }
  const lost = conflict(errors);
  if (lost) return lost;
  if (withCode(errors, ErrorCode.NOT_FOUND)) return undefined;
  if (errors?.length && errors.every((e) => NOT_WRITTEN.includes(e.extensions?.code as ErrorCode))) {
    return legacyError(
      errors[0]!.extensions!.code as ErrorCode,
      `the account context is unavailable; the ${what} was not applied, try again later (${details})`,
    );
  }
  return legacyError(
    ErrorCode.OUTCOME_UNKNOWN,
    `the account context did not confirm the ${what}: it may or may not have been applied. Retry with the same Idempotency-Key header, or check with ${lookUp} before trying again (${details})`,
  );
}

function accountAnswer(
  result: GraphQLResult<Record<string, GraphAccount | null>>,
  key: string,
  id: string,
): RestResponse {
  const account = result.data?.[key];
  if (!account) return failure(result.errors, id);
  const { body, missing } = toLegacy(account, result.errors);
  return { status: 200, body, headers: missing.length > 0 ? { [PARTIAL_HEADER]: missing.join(', ') } : {} };
}

/** P13's hard-coded VIP account (accountservice handlers.go notifyVIP). */
export const VIP_ACCOUNT_ID = '10000';
const RECORD_VIP_READ = 'mutation LegacyVipRead($accountId: ID!) { recordVipRead(accountId: $accountId) }';

/**
 * GET /accounts/{id}. With `vip`, a found account 10000 also records P13's VIP
 * notification: a mutation the answer does not wait for and that cannot fail it (P13 sent
 * it from a goroutine too); the account context's outbox relay publishes it to RabbitMQ.
 */
const getAccount = (vip: boolean): RestRoute => ({
  method: 'GET',
  path: '/accounts/:accountId',
  operation: `query LegacyAccount($id: ID!) { account(id: $id) { ${ACCOUNT_SELECTION} } }`,
  async handle({ params }, run, background) {
    const id = params.accountId!;
    const answer = accountAnswer(await run({ id }), 'account', id);
    if (vip && id === VIP_ACCOUNT_ID && answer.status === 200) background(RECORD_VIP_READ, { accountId: id });
    return answer;
  },
});

const createAccount: RestRoute = {
  method: 'POST',
  path: '/accounts',
  body: true,
  operation: 'mutation LegacyCreateAccount($name: String!) { createAccount(name: $name) { id } }',
  async handle({ body }, run) {
    const invalid = requireObject(body, 'POST');
    if (invalid) return invalid;
    const name = field(body, 'name');
    if (typeof name !== 'string' || name.trim() === '')
      return legacyError(ErrorCode.BAD_USER_INPUT, 'POST body is missing required field: name (a non-empty string)');
    const result = await run<{ createAccount: { id: string } | null }>({ name });
    if (result.data?.createAccount) return { status: 201, body: { ID: result.data.createAccount.id } };
    return (
      writeFailed(result.errors, 'account creation', `GET /accountsbyname/${encodeURIComponent(name)}`) ??
      failure(result.errors, '')
    );
  },
};

/**
 * PUT: P13's gorm `Save`, an upsert: the account renamed, or created under the given id
 * when there is none (`saveAccount`), with POST's validation. The answer lists the event
 * this write recorded (UPDATED, or CREATED for a new account), as the old answer listed
 * the one it wrote synchronously: recordedEvent, merged into accountEvents by legacy.ts.
 */
const saveAccount: RestRoute = {
  method: 'PUT',
  path: '/accounts',
  body: true,
  operation: `mutation LegacySaveAccount($id: ID!, $name: String!) { saveAccount(id: $id, name: $name) { ${ACCOUNT_SELECTION} ${RECORDED_EVENT_SELECTION} } }`,
  async handle({ body }, run) {
    const invalid = requireObject(body, 'PUT');
    if (invalid) return invalid;
    const id = field(body, 'id');
    if (typeof id !== 'string' || id.trim() === '')
      return legacyError(ErrorCode.BAD_USER_INPUT, 'PUT body is missing required field: ID');
    const name = field(body, 'name');
    if (typeof name !== 'string' || name.trim() === '')
      return legacyError(ErrorCode.BAD_USER_INPUT, 'PUT body is missing required field: name (a non-empty string)');
    const result = await run<Record<string, GraphAccount | null>>({ id, name });
    if (!result.data?.saveAccount)
      return (
        writeFailed(result.errors, 'write', `GET /accounts/${encodeURIComponent(id)}`) ?? failure(result.errors, id)
      );
    return accountAnswer(result, 'saveAccount', id);
  },
};

interface NamePage {
  accounts: {
    edges: { node: { name: string; eventCount: number | null } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const accountsByName: RestRoute = {
  method: 'GET',
  path: '/accountsbyname/:prefix',
  // One page of names with their event counts: the gateway resolves a page's counts with
  // one batched _entities call to the data context, not one call per account.
  operation:
    'query LegacyAccountsByName($prefix: String!, $after: String) { accounts(namePrefix: $prefix, first: 100, after: $after) { edges { node { name eventCount } } pageInfo { hasNextPage endCursor } } }',
  async handle({ params }, run) {
    const prefix = params.prefix!;
    const counts = new Map<string, number>();
    let after: string | null = null;
    let seen = 0;
    let countsMissing = false;
    for (;;) {
      const result: GraphQLResult<NamePage> = await run<NamePage>({ prefix, after });
      const page = result.data?.accounts;
      if (!page) {
        const bad = withCode(result.errors, ErrorCode.BAD_USER_INPUT);
        if (bad) return legacyError(ErrorCode.BAD_USER_INPUT, bad.message);
        return unavailable(result.errors);
      }
      for (const { node } of page.edges) {
        if (node.eventCount === null) countsMissing = true;
        counts.set(node.name, (counts.get(node.name) ?? 0) + (node.eventCount ?? 0));
      }
      seen += page.edges.length;
      if (!page.pageInfo.hasNextPage) break;
      if (seen >= MAX_ACCOUNTS_BY_NAME)
        return legacyError(
          ErrorCode.BAD_USER_INPUT,
          `more than ${MAX_ACCOUNTS_BY_NAME} accounts have names starting with '${prefix}'; use a longer prefix`,
          422,
        );
      after = page.pageInfo.endCursor;
    }
    const body = [...counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([Name, Count]) => ({ Name, Count }));
    return { status: 200, body, headers: countsMissing ? { [PARTIAL_HEADER]: 'Count' } : {} };
  },
};

/**
 * GET /health: P13's meaning, the process is up and serving: always `200 {"status":"UP"}`
 * (P13's database check was hard-coded to true, and its container health check, healthchecker,
 * replaced a service whose /health did not answer 200). Whether the contexts behind the
 * gateway answer is GET /ready's question (platform/http.ts), not this one's: a partial
 * outage must not get every gateway replaced.
 */
const health: RestRoute = {
  method: 'GET',
  path: '/health',
  handle: () => Promise.resolve({ status: 200, body: { status: 'UP' } }),
};

export const legacyRoutes = (opts: { vipNotifications: boolean }): RestRoute[] => [
  getAccount(opts.vipNotifications),
  createAccount,
  saveAccount,
  accountsByName,
  health,
];
