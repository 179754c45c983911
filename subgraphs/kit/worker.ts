/** A background job that lives as long as its subgraph process (e.g. the outbox relay). */
import type { OperatorPage } from '../../platform/operator-access';
import type { Logger } from '../../platform/logger';

export interface Worker {
  name: string;
  start(log: Logger): void;
  /** Finishes the work in hand, then stops. */
  stop(): Promise<void>;
  /** Asks the worker to look for work now (a commit just produced some). */
  wake(): void;
  /** Status pages the worker adds to its subgraph's server: they show data, so they are operators' only (platform/operator-access.ts). */
  pages?: OperatorPage[];
}
