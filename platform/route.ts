/**
 * What a process serves besides GraphQL: a route answers a request it knows (true) or leaves it
 * to the next one (false). Its own module so that what serves routes (http.ts) and what provides
 * them (metrics.ts, the subgraphs' workers, the REST shim) need not import each other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
