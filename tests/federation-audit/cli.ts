/**
 * `npm run audit:federation`: the federation gateway audit (run.ts) against this project's
 * gateway, or the stock @apollo/gateway with --stock, printed as upstream's results.txt
 * (report.ts). Exit 0 when exactly the tests the stock gateway passes pass (known-failures.ts).
 */
import { createLogger } from '../../platform/logger';
import { failUsage, parseCommandLine } from '../../tools/cli';
import { ourGateway, stockGateway } from './gateways';
import { againstStock } from './known-failures';
import { failureText, resultsText } from './report';
import { passed, runAudit } from './run';
import { loadSuites } from './suites';

const spec = {
  script: 'audit:federation',
  summary: [
    "Runs graphql-hive's federation gateway audit (vendored in tests/federation-audit/suites/) against this",
    "project's gateway: each suite's subgraphs and supergraph, every test query sent twice. Prints the",
    "results as upstream's results.txt, then how they compare with the stock @apollo/gateway's.",
  ].join('\n'),
  options: {
    suite: { type: 'string', multiple: true, value: 'ID', help: 'only this suite (a folder of suites/); repeatable' },
    stock: { type: 'boolean', help: 'audit the stock @apollo/gateway instead (as upstream runs it)' },
    details: { type: 'boolean', help: "each failed test's query and what came back" },
  },
  exitCodes: { 0: "the tests that pass are the stock gateway's", 1: 'they are not, or the run failed' },
} as const;

const { values } = parseCommandLine(spec);

async function main(): Promise<number> {
  const all = loadSuites();
  const ids = all.map((s) => s.id);
  const unknown = (values.suite ?? []).filter((id) => !ids.includes(id));
  if (unknown.length > 0) failUsage(spec, `no suite ${unknown.join(', ')} in tests/federation-audit/suites/`);
  const suites = values.suite ? all.filter((s) => values.suite!.includes(s.id)) : all;
  // The gateway's own log lines (LOG_LEVEL, default warn) go to stderr; the report to stdout.
  const log = createLogger('federation-audit', process.env.LOG_LEVEL ?? 'warn', process.stderr);
  const results = await runAudit(suites, values.stock ? stockGateway : ourGateway(log));
  const stock = againstStock(results, passed, ids);
  console.log(resultsText(results, stock));
  if (values.details) {
    for (const t of results.flatMap((s) => s.tests).filter((t) => !passed(t))) console.log(`\n${failureText(t)}`);
  }
  return stock.newFailures.length + stock.newPasses.length + stock.unknown.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
