/**
 * Query limits at the gateway, each configurable: GraphQL Armor's protections (depth,
 * aliases, directives, a static cost estimate) and graphql-js's parser token limit. Apollo Server reports every
 * validation failure as GRAPHQL_VALIDATION_FAILED; the rejection hook tags each error with
 * its own limit and `formatError` turns the tag into `extensions.code`, so clients can tell
 * QUERY_TOO_DEEP from a typo.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../platform/errors';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  /** Hide "Did you mean …?" suggestions (they describe the schema): in production. */
  hideSuggestions: boolean;
}

const LIMIT_TAG = 'limitExceeded';

/** Validation rules: report the rejection ourselves, tagged with its limit's code. */
const report =
  (code: ErrorCode): GraphQLArmorRejectCallback =>
  (ctx, error) => {
    ctx?.reportError(
      new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { [LIMIT_TAG]: code } }),
    );
  };

const rule = (code: ErrorCode) => ({ propagateOnRejection: false, onReject: [report(code)] });

export function queryLimits(limits: QueryLimits) {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ...rule(ErrorCode.QUERY_TOO_DEEP) },
    maxAliases: { n: limits.maxAliases, ...rule(ErrorCode.TOO_MANY_ALIASES) },
    // Tokens are counted by graphql-js's own parser (parseOptions below): Armor's token
    // plugin throws from a hook where Apollo Server answers 500.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives, ...rule(ErrorCode.TOO_MANY_DIRECTIVES) },
    costLimit: { maxCost: limits.maxCost, ...rule(ErrorCode.QUERY_TOO_COSTLY) },
    // Armor replaces only `Did you mean "x"?` (with a mask that still hints); withoutSuggestions removes every form.
    blockFieldSuggestion: { enabled: limits.hideSuggestions, mask: '' },
  });
  const { plugins, validationRules } = armor.protect();
  return { plugins, validationRules, parseOptions: { maxTokens: limits.maxTokens } };
}

// graphql-js 16 says "more that"; accept the corrected wording too, so an upgrade keeps the code.
const TOKEN_LIMIT = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/;

/** Turns a limit's tag into the error's code; leaves every other error as it is. */
export function formatLimitError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const tokens = TOKEN_LIMIT.exec(formatted.message);
  if (tokens) {
    const message = `Token limit of ${tokens[1]} exceeded: the document is too large.`;
    return { ...formatted, message, extensions: { ...formatted.extensions, code: ErrorCode.QUERY_TOO_LARGE } };
  }
  const code = formatted.extensions?.[LIMIT_TAG];
  if (typeof code !== 'string') return formatted;
  const { [LIMIT_TAG]: _, ...extensions } = formatted.extensions ?? {};
  return {
    ...formatted,
    message: formatted.message.replace(/^Syntax Error: /, ''),
    extensions: { ...extensions, code },
  };
}

/**
 * graphql-js's hints at near-miss names (`Did you mean "name"?`, `Did you mean the enum
 * value "X"?`), and what Armor's masking leaves of them (its mask, or a lone "?").
 */
const SUGGESTION = /\s*(Did you mean [^?]*\?|\[Suggestion hidden\]\??|\s\?$)/g;

/** Production: no hint at what the schema holds in any error message. */
export function withoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = formatted.message.replace(SUGGESTION, '').trim();
  return message === formatted.message ? formatted : { ...formatted, message };
}
