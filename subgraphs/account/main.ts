import { runSubgraphProcess } from '../kit/main';
import { accountSubgraph } from './index';

runSubgraphProcess('account', accountSubgraph);
