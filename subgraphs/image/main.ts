import { runSubgraphProcess } from '../kit/main';
import { imageSubgraph } from './index';

runSubgraphProcess('image', imageSubgraph);
