/**
 * What the vendored suites import as `../../env.js` (upstream: src/env.ts): with
 * PUNISH_FOR_POOR_PLANS=1 some subgraphs fail a fetch that a good query plan would not make.
 * Upstream's committed `.env` sets it to 0, as the audit runs here unless the variable is set.
 */
export const shouldPunishForPoorPlans = (): boolean => process.env.PUNISH_FOR_POOR_PLANS === '1';
