/** Prometheus metrics (prom-client): one registry per process, served at GET /metrics. */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Route } from './http';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const metricsRoute: Route = async (req, res, url) => {
  if (url.pathname !== '/metrics' || req.method !== 'GET') return false;
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType });
  res.end(body);
  return true;
};
