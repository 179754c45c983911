/**
 * The resolvers are typed from the SDL (tools/resolver-types.ts): the real resolvers of each
 * context type-check against the types generated from their SDL, and stop type-checking
 * when the SDL renames an argument they read, drops a field they resolve or changes a type
 * they rely on. That is what makes `npm run typecheck` catch a schema change a resolver
 * missed. Each case runs the TypeScript compiler on the real resolver files, with the
 * generated types of that context replaced by those of a changed copy of its SDL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import type { ContextName } from '../platform/config';
import { outputFile, resolverTypes, sdlFile } from './resolver-types';

const root = path.resolve(__dirname, '..');
const resolverFile = (context: ContextName) => path.join(root, 'subgraphs', context, 'resolvers.ts');

const config = ts.getParsedCommandLineOfConfigFile(
  path.join(root, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
)!;
const options: ts.CompilerOptions = { ...config.options, noEmit: true };

/** Source files parsed once and shared by every program (lib and Prisma types are large). */
const parsed = new Map<string, ts.SourceFile>();
let previous: ts.Program | undefined;

/** The type errors of the three resolver files, with `replaced` files standing in for the real ones. */
function typeErrors(replaced: Map<string, string>): Record<ContextName, string[]> {
  const host = ts.createCompilerHost(options, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => replaced.get(path.resolve(f)) ?? readFile(f);
  host.fileExists = (f) => replaced.has(path.resolve(f)) || fileExists(f);
  host.getSourceFile = (fileName, languageVersion) => {
    const text = replaced.get(path.resolve(fileName));
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    let file = parsed.get(fileName);
    if (!file) {
      const content = readFile(fileName);
      if (content === undefined) return undefined;
      file = ts.createSourceFile(fileName, content, languageVersion, true);
      parsed.set(fileName, file);
    }
    return file;
  };
  const contexts = ['account', 'data', 'image'] as const;
  const program = ts.createProgram(contexts.map(resolverFile), options, host, previous);
  previous = program;
  const errors = (context: ContextName) =>
    ts
      .getPreEmitDiagnostics(program, program.getSourceFile(resolverFile(context)))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return { account: errors('account'), data: errors('data'), image: errors('image') };
}

/** The context's generated types from its SDL with `from` replaced by `to` (which must occur). */
async function changedTypes(context: ContextName, from: string | RegExp, to: string): Promise<Map<string, string>> {
  const sdl = fs.readFileSync(sdlFile(context), 'utf8');
  const changed = sdl.replace(from, to);
  expect(changed).not.toBe(sdl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resolver-types-'));
  try {
    const file = path.join(dir, 'schema.graphql');
    fs.writeFileSync(file, changed);
    return new Map([[outputFile(context), await resolverTypes(context, file)]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

jest.setTimeout(300_000);

test('the resolvers type-check against the types generated from their SDL', async () => {
  const real = new Map<string, string>();
  for (const context of ['account', 'data', 'image'] as const)
    real.set(outputFile(context), await resolverTypes(context));
  expect(typeErrors(real)).toEqual({ account: [], data: [], image: [] });
});

test.each<[ContextName, string | RegExp, string, RegExp]>([
  ['account', 'renameAccount(id: ID!, name: String!)', 'renameAccount(id: ID!, newName: String!)', /'name'/],
  ['data', 'events(eventName: String)', 'events(named: String)', /'eventName'/],
  ['image', 'setAccountImage(accountId: ID!, url: String!)', 'setAccountImage(accountId: ID!, href: String!)', /'url'/],
])('%s: a renamed argument the resolver reads fails the type check', async (context, from, to, message) => {
  const errors = typeErrors(await changedTypes(context, from, to));
  expect(errors[context]).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
});

test.each<[ContextName, string | RegExp, string, RegExp]>([
  ['account', /\n {2}"The subgraph instance that served this account\."\n {2}servedBy: String!/, '', /'servedBy'/],
  ['data', /\n {2}"Number of events[^"]*"\n {2}eventCount: Int/, '', /'eventCount'/],
  ['image', /\n {2}"The account's image[^"]*"\n {2}imageData: AccountImage/, '', /'imageData'/],
])(
  '%s: a field dropped from the SDL that the resolvers still resolve fails the type check',
  async (context, from, to, message) => {
    const errors = typeErrors(await changedTypes(context, from, to));
    expect(errors[context]).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  },
);

test.each<[ContextName, string | RegExp, string, RegExp]>([
  // An argument's type: requireRange takes a number.
  ['account', 'first: Int = 20', 'first: String = "20"', /'string' is not assignable to parameter of type 'number'/],
  // A result's type: the resolver answers an event list, not a count.
  [
    'data',
    'events(eventName: String): [AccountEvent!]',
    'events(eventName: String): Int',
    /not assignable to type 'number'/,
  ],
  // A field's type: the resolver answers the stored URL, a string.
  ['image', /\n {2}url: String!/, '\n  url: Int!', /Types of property 'url' are incompatible/],
])('%s: a changed type the resolver relies on fails the type check', async (context, from, to, message) => {
  const errors = typeErrors(await changedTypes(context, from, to));
  expect(errors[context]).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
});
