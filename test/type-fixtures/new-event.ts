/**
 * A new event added to the contract, exactly as a new line in `EventMap` would add it (declaration
 * merging), with no Mattermost translation and no reducer handler. Compiled only by
 * src/contract/exhaustive.test.ts, which expects it to fail; tsconfig.json leaves this folder out.
 */
declare module '../../src/contract/events.ts' {
  interface EventMap {
    draft_saved: { draft_id: string; channel_id: string };
  }
}
export {};
