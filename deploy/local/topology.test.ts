/**
 * deploy/local/topology.ts: what `REPLICAS=N npm start` runs. Replica k of a service on port
 * P listens on P + 10·k; gateways are given every subgraph replica's URL only when there are
 * several (one replica: the gateway finds each subgraph on its port, as before); one relay.
 */
import { loadConfig } from '../../platform/config';
import { instances, variablesOf } from './topology';

test('REPLICAS=2 with the default ports: every process, its name, port and URL', () => {
  const plan = instances(loadConfig({ REPLICAS: '2' }));
  expect(plan.map((i) => [i.name, i.port, i.url])).toEqual([
    ['account-subgraph', 4001, 'http://127.0.0.1:4001/graphql'],
    ['account-subgraph-2', 4011, 'http://127.0.0.1:4011/graphql'],
    ['data-subgraph', 4002, 'http://127.0.0.1:4002/graphql'],
    ['data-subgraph-2', 4012, 'http://127.0.0.1:4012/graphql'],
    ['image-subgraph', 4003, 'http://127.0.0.1:4003/graphql'],
    ['image-subgraph-2', 4013, 'http://127.0.0.1:4013/graphql'],
    ['gateway', 4000, 'http://127.0.0.1:4000/graphql'],
    ['gateway-2', 4010, 'http://127.0.0.1:4010/graphql'],
  ]);
});

test('REPLICAS=2: each gateway gets every replica of each subgraph; only the first account process relays', () => {
  const config = loadConfig({
    REPLICAS: '2',
    GATEWAY_PORT: '5400',
    ACCOUNT_PORT: '5401',
    DATA_PORT: '5402',
    IMAGE_PORT: '5403',
  });
  const [a0, a1, d0, , , , g0, g1] = instances(config);
  expect(variablesOf(config, g1!)).toEqual({
    GATEWAY_PORT: '5410',
    ACCOUNT_SUBGRAPH_URL: 'http://127.0.0.1:5401/graphql,http://127.0.0.1:5411/graphql',
    DATA_SUBGRAPH_URL: 'http://127.0.0.1:5402/graphql,http://127.0.0.1:5412/graphql',
    IMAGE_SUBGRAPH_URL: 'http://127.0.0.1:5403/graphql,http://127.0.0.1:5413/graphql',
  });
  expect(variablesOf(config, g0!).GATEWAY_PORT).toBe('5400');
  expect(variablesOf(config, a0!)).toEqual({ ACCOUNT_PORT: '5401' });
  expect(variablesOf(config, a1!)).toEqual({ ACCOUNT_PORT: '5411', OUTBOX_RELAY: 'false' });
  expect(variablesOf(config, d0!)).toEqual({ DATA_PORT: '5402' });
});

test('one replica (the default): one process each, and no URL list for the gateway', () => {
  const config = loadConfig({});
  const plan = instances(config);
  expect(plan.map((i) => i.name)).toEqual(['account-subgraph', 'data-subgraph', 'image-subgraph', 'gateway']);
  expect(variablesOf(config, plan[3]!)).toEqual({ GATEWAY_PORT: '4000' });
});

test('REPLICAS is validated: a whole number from 1 to 10, and no replica past port 65535', () => {
  expect(() => loadConfig({ REPLICAS: '0' })).toThrow('REPLICAS: must be an integer from 1 to 10 (got "0")');
  expect(() => loadConfig({ REPLICAS: 'two' })).toThrow('REPLICAS: must be an integer from 1 to 10 (got "two")');
  expect(() => loadConfig({ REPLICAS: '3', IMAGE_PORT: '65520' })).toThrow(
    'IMAGE_PORT: with REPLICAS=3 its last replica would listen on 65540, above 65535',
  );
});
