/**
 * What every /sync stream offers (streams/*.ts), after Dendrite's syncapi/streams: its head,
 * and a build that adds the stream's part of a response and says how far it got. The token
 * a response carries is assembled from those positions, so no central code knows where a
 * stream stands, and a stream may stop short of its head (to-device sends a page at a time).
 */
import type { Viewer } from "../requester.ts";
import type { SyncContext } from "./sync-response.ts";

export interface Stream {
  /**
   * Whether its positions survive a restart. A token ahead of a persistent stream comes from
   * a database rolled back (or another server) and is logged; typing and presence live in
   * memory, so their positions are ahead after every restart.
   */
  readonly persistent: boolean;
  /** The head a response built now covers. `since` (the client's position) lets a per-device stream skip a read. */
  latest(viewer: Viewer, since: number | undefined): number;
  /**
   * Adds the stream's part of the response for the range (since, to] (`since` undefined: an
   * initial sync) and returns the position the client has reached: the next token's part.
   */
  build(ctx: SyncContext, since: number | undefined, to: number): number;
}

/** The head of a stream whose positions come with the signal that moved it; it never moves back. */
export function createHead(initial: number) {
  let position = initial;
  return {
    latest: () => position,
    advance(to: number): void {
      position = Math.max(position, to);
    },
  };
}

export type Head = ReturnType<typeof createHead>;
