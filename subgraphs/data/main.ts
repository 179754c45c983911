import { runSubgraphProcess } from '../kit/main';
import { dataSubgraph } from './index';

runSubgraphProcess('data', dataSubgraph);
