/** Process entry of the REST fan-out baseline: BENCH_PORT, and the subgraphs' *_SUBGRAPH_URL. */
import { loadConfig } from '../../platform/config';
import { fanoutAggregate } from './rest-fanout';
import { accountListener, envPort, listen, runProcess } from './serve';

runProcess(() => listen(accountListener(fanoutAggregate({ subgraphUrls: loadConfig().subgraphUrls })), envPort()));
