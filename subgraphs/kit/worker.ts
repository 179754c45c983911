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
  /**
   * Finishes the work one request produced (`work`, in the worker's own terms) before that
   * request answers; resolves within the worker's own deadline and never rejects (what it
   * leaves is still done in the background). Work of one `scope` (an account, say) is done
   * one after another. Optional.
   */
  settle?(work: readonly unknown[], scope: string): Promise<void>;
}
