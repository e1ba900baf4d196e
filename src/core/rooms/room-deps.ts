/**
 * What the room actions share: the engine that appends events, the readers, and the narrow
 * outside dependencies (profiles). Each action module takes this one handle, as tuwunel's
 * service handles do, instead of reaching for globals.
 */
import type { Stores } from "../../storage/index.ts";
import type { TimelineDeps } from "../timeline/timeline-deps.ts";
import type { AssertAliasAllowed } from "./aliases.ts";
import type { RoomEngine } from "./room-engine.ts";

export interface Profile {
  displayname?: string;
  avatar_url?: string;
}

/** A user's global profile, copied into their member events. Provided by the accounts code. */
export type ProfileLookup = (userId: string) => Profile;

export type RoomStores = Pick<
  Stores,
  | "rooms"
  | "events"
  | "relations"
  | "roomState"
  | "memberships"
  | "transactionIds"
  | "aliases"
  | "directory"
  | "reports"
  | "accounts"
  | "accountData"
  | "write"
>;

export interface RoomDeps extends TimelineDeps {
  stores: RoomStores;
  engine: RoomEngine;
  getProfile: ProfileLookup;
  /** Application services' exclusive alias namespaces (allow-all until they are wired in). */
  assertAliasAllowed: AssertAliasAllowed;
  serverName: string;
}
