/**
 * The import rules of docs/architecture.md, checked by `npm run check:imports` and by
 * test/static-checks.test.ts in `npm test`. Type-only imports count everywhere, cycles included (a
 * store module that takes a type from actions is as upward as one that calls it, and a loop of
 * types is a loop of layers): src/deps.ts names the services through src/services.ts, which
 * imports nothing that knows Deps.
 */
const below = (...folders) => `^src/(${folders.join('|')})/`;
const ENTRY = '^src/(cli|admin|backup)/|^src/(main|sea-entry|server|boot)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'Import cycles make load order matter and layers blur: move the shared part down a layer.',
      severity: 'error',
      from: {},
      // Every kind of import: static, type-only, `typeof import()` and import() of a lazy chunk.
      // None loops today; a lazy chunk that needs something of the shell that loads it takes it
      // from a module below both.
      to: { circular: true },
    },
    {
      name: 'contract-imports-nothing',
      comment: 'src/contract is what every layer and the web client share: it imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/contract/' },
      to: { path: '^(src|web)/', pathNot: '^src/contract/' },
    },
    {
      name: 'web-imports-contract-only',
      comment: 'The web client imports only the contract and the shared reducer from the server side.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: '^src/contract/|^src/realtime/reducer\\.ts$' },
    },
    {
      name: 'reducer-imports-contract-only',
      comment: 'The reducer runs in the browser too: it imports only the contract.',
      severity: 'error',
      from: { path: '^src/realtime/reducer\\.ts$' },
      to: { path: '^(src|web)/', pathNot: '^src/contract/' },
    },
    {
      name: 'store-imports-db-and-contract-only',
      comment: 'store/ is SQL: it uses the driver, ids and contract types, never actions, http or services.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^(src|web)/', pathNot: '^src/(store|db|contract)/|^src/ids\\.ts$' },
    },
    {
      name: 'db-imports-nothing-above',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^(src|web)/', pathNot: '^src/db/|^src/(errors|log|config)\\.ts$' },
    },
    {
      name: 'http-goes-through-actions',
      comment: 'Routes call actions; SQL is reached through them (one place that authorizes).',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: below('store', 'db', 'cli', 'admin', 'backup') },
    },
    {
      name: 'v1-does-not-import-v4',
      comment: 'The native and the Mattermost API share code through src/http/, not through each other.',
      severity: 'error',
      from: { path: '^src/http/v1/' },
      to: { path: '^src/http/v4/' },
    },
    {
      name: 'v4-does-not-import-v1',
      severity: 'error',
      from: { path: '^src/http/v4/' },
      to: { path: '^src/http/v1/' },
    },
    {
      name: 'actions-below-http',
      comment: 'Actions know nothing of HTTP or of the entry points.',
      severity: 'error',
      from: { path: '^src/actions/' },
      to: { path: `^src/http/|${ENTRY}` },
    },
    {
      name: 'realtime-below-actions',
      comment: 'The hub routes events; it does not call actions, routes or SQL.',
      severity: 'error',
      from: { path: '^src/realtime/' },
      // Except the driver's types: the hub's heartbeat runs one query of its own (the check for
      // sessions revoked while the bus was away), on the Queryable it is given.
      to: { path: `${below('actions', 'http', 'store', 'db')}|${ENTRY}`, pathNot: '^src/db/driver\\.ts$' },
    },
    {
      name: 'deps-below-actions',
      comment: 'Deps and the service shapes it names (services.ts) sit below actions and http, which take Deps.',
      severity: 'error',
      from: { path: '^src/(deps|services|runtime-settings|auth)\\.ts$' },
      to: { path: `${below('actions', 'http')}|${ENTRY}` },
    },
    {
      name: 'services-below-actions',
      comment: 'files/, mail/, outbound/ and push/ are infrastructure that actions use, never the other way round.',
      severity: 'error',
      from: { path: below('files', 'mail', 'outbound', 'push') },
      to: { path: `${below('actions', 'http', 'realtime')}|${ENTRY}` },
    },
    {
      name: 'nothing-imports-entry-points',
      severity: 'error',
      from: { path: '^src/', pathNot: ENTRY },
      to: { path: ENTRY },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|\\.test\\.tsx?$' },
    includeOnly: '^(src|web/src)/',
  },
};
