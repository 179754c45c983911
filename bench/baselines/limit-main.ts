/** Process entry of the limit: BENCH_PORT, and the three *_DATABASE_URL (DATABASE_POOL_SIZE per database). */
import { databaseUrlOf, loadConfig } from '../../platform/config';
import { limitAggregate } from './limit';
import { accountListener, envPort, listen, runProcess } from './serve';

runProcess(async () => {
  const config = loadConfig();
  const urls = {
    account: databaseUrlOf(config, 'account'),
    data: databaseUrlOf(config, 'data'),
    image: databaseUrlOf(config, 'image'),
  };
  const limit = limitAggregate({ urls, poolSize: config.poolSize, instanceName: config.instanceName });
  const server = await listen(accountListener(limit.aggregate), envPort());
  return { close: async () => (await server.close(), await limit.close()) };
});
