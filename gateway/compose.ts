/**
 * Composes the subgraphs' SDL files into the supergraph with @apollo/composition.
 * The committed gateway/supergraph.graphql is this function's output; the gateway
 * runs from that file (as production does) and maps subgraph names to URLs at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { CONTEXTS, type ContextName } from '../platform/config';

export const DEFAULT_SUPERGRAPH_PATH = path.resolve(__dirname, 'supergraph.graphql');

export const sdlPathOf = (context: ContextName) => path.resolve(__dirname, '../subgraphs', context, 'schema.graphql');

/** The URLs written into the committed file: the local defaults (overridden at run time). */
export const DEFAULT_COMPOSE_URLS: Record<ContextName, string> = {
  account: 'http://127.0.0.1:4001/graphql',
  data: 'http://127.0.0.1:4002/graphql',
  image: 'http://127.0.0.1:4003/graphql',
};

export class CompositionFailed extends Error {
  override name = 'CompositionFailed';
  constructor(readonly errors: readonly string[]) {
    super(`supergraph composition failed:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
  }
}

export interface Composition {
  supergraphSdl: string;
  hints: string[];
}

export interface ServiceSdl {
  name: string;
  url: string;
  sdl: string;
}

/** Any subgraphs' SDL into a supergraph; CompositionFailed names every composition error. */
export function composeServiceSdls(services: readonly ServiceSdl[]): Composition {
  const result = composeServices(services.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  if (result.errors) throw new CompositionFailed(result.errors.map((e) => e.message));
  return { supergraphSdl: result.supergraphSdl, hints: result.hints.map((h) => h.toString()) };
}

export function composeSupergraph(
  urls: Record<ContextName, string> = DEFAULT_COMPOSE_URLS,
  sdl: (c: ContextName) => string = (c) => fs.readFileSync(sdlPathOf(c), 'utf8'),
): Composition {
  return composeServiceSdls(CONTEXTS.map((name) => ({ name, url: urls[name], sdl: sdl(name) })));
}
