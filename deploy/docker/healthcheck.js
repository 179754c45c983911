// Container health check (the image's HEALTHCHECK, and compose's): GET /live, or the path given
// as argument (/ready), on this container's own server. One image runs any of the four
// processes, each on its own port variable (platform/config.ts: GATEWAY_PORT, ACCOUNT_PORT,
// DATA_PORT, IMAGE_PORT; defaults 4000-4003); only the one running listens in this container,
// so every configured port is asked and one 200 passes. Node's own fetch: no curl in the image.
'use strict';

const path = process.argv[2] || '/live';
const ports = [
  ['GATEWAY_PORT', 4000],
  ['ACCOUNT_PORT', 4001],
  ['DATA_PORT', 4002],
  ['IMAGE_PORT', 4003],
].map(([name, fallback]) => Number(process.env[name] || fallback));

const probe = async (port) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  if (res.status !== 200) throw new Error(`${port}${path}: ${res.status}`);
};

Promise.any([...new Set(ports)].map(probe)).then(
  () => process.exit(0),
  () => process.exit(1),
);
