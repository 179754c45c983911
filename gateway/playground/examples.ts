/**
 * The example operations the playground opens with, one GraphiQL tab each (GraphiQL names
 * a tab after its operation). They run against the demo data `npm start` seeds (accounts
 * `10000`–`10099`, names `Person_0`…), and double as a tour of the graph: the aggregated
 * view across the three contexts, paging with batched event counts, and the two writes.
 */

export interface ExampleTab {
  query: string;
  /** JSON text for GraphiQL's variables editor. */
  variables?: string;
}

const vars = (v: Record<string, unknown>) => JSON.stringify(v, null, 2);

export const EXAMPLE_TABS: readonly ExampleTab[] = [
  {
    query: `# One account across the three contexts.
query AccountView {
  account(id: "10000") {
    id
    name
    servedBy
    createdAt
    quote { text language servedBy }
    imageData { id url servedBy }
    events { id eventName created }
    eventCount
  }
}
`,
  },
  {
    query: `# Names by prefix, with event counts (batched per page).
query AccountsByNamePrefix {
  accounts(namePrefix: "Person_1", first: 10) {
    edges { node { id name eventCount } }
    pageInfo { hasNextPage endCursor }
  }
}
`,
  },
  {
    query: `# Its CREATED event reaches the data context (outbox).
mutation CreateAccount($name: String!) {
  createAccount(name: $name) { id name createdAt servedBy }
}
`,
    variables: vars({ name: 'Person_new' }),
  },
  {
    query: `# Its UPDATED event follows through the outbox.
mutation RenameAccount($id: ID!, $name: String!) {
  renameAccount(id: $id, name: $name) { id name servedBy events { eventName created } }
}
`,
    variables: vars({ id: '10000', name: 'Person_0 renamed' }),
  },
];
