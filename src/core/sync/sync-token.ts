/**
 * The /sync token: one position per stream, in a fixed order, as
 * `s{events}_{receipts}_{account_data}_{push_rules}_{to_device}_{device_lists}_{typing}_{presence}`.
 * It starts with the room-event stream position so that /messages and /members accept a
 * `next_batch` as a stream token (core/timeline/tokens.ts reads only that part), and
 * /keys/changes reads the device-list part. To clients it is opaque.
 */
import { MatrixError } from "../../errors.ts";

export const SYNC_STREAMS = [
  "events",
  "receipts",
  "accountData",
  "pushRules",
  "toDevice",
  "deviceLists",
  "typing",
  "presence",
] as const;

export type StreamName = (typeof SYNC_STREAMS)[number];
export type SyncPositions = Record<StreamName, number>;

const TOKEN = new RegExp(`^s\\d{1,16}(?:_\\d{1,16}){${SYNC_STREAMS.length - 1}}$`);

export function formatSyncToken(positions: SyncPositions): string {
  return `s${SYNC_STREAMS.map((stream) => positions[stream]).join("_")}`;
}

/** The positions of a token, or undefined when it is not a sync token of this server. */
export function tryParseSyncToken(token: string): SyncPositions | undefined {
  if (!TOKEN.test(token)) return undefined;
  const numbers = token.slice(1).split("_").map(Number);
  if (!numbers.every(Number.isSafeInteger)) return undefined;
  return Object.fromEntries(SYNC_STREAMS.map((stream, i) => [stream, numbers[i]!])) as SyncPositions;
}

export function parseSyncToken(token: string, parameter: string): SyncPositions {
  const positions = tryParseSyncToken(token);
  if (!positions) throw new MatrixError("M_INVALID_PARAM", `'${parameter}' is not a sync token of this server`);
  return positions;
}

/** The device-list position of a sync token (GET /keys/changes takes next_batch tokens). */
export function deviceListPositionOf(token: string): number | undefined {
  return tryParseSyncToken(token)?.deviceLists;
}
