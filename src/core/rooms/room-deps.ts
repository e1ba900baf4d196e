/**
 * What the room actions share: the engine that appends events, the readers, and the narrow
 * outside dependencies (profiles). Each action module takes this one handle, as tuwunel's
 * service handles do, instead of reaching for globals.
 */
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { RoomEngine } from "../timeline/append-event.ts";
import type { ClientEvents } from "../timeline/client-event.ts";
import type { StateReader } from "../timeline/state-reader.ts";
import type { Visibility } from "../timeline/visibility.ts";
import type { AssertAliasAllowed } from "./aliases.ts";
import type { RoomAccess } from "./room-access.ts";

export interface Profile {
  displayname?: string;
  avatar_url?: string;
}

/** A user's global profile, copied into their member events. Provided by the accounts code. */
export type ProfileLookup = (userId: string) => Profile;

export type RoomStores = Pick<
  Stores,
  "rooms" | "events" | "relations" | "roomState" | "memberships" | "transactionIds" | "aliases" | "directory" | "reports" | "accounts" | "accountData" | "groupCommit"
>;

export interface RoomDeps {
  stores: RoomStores;
  engine: RoomEngine;
  clientEvents: ClientEvents;
  visibility: Visibility;
  state: StateReader;
  access: RoomAccess;
  getProfile: ProfileLookup;
  /** Application services' exclusive alias namespaces (allow-all until they are wired in). */
  assertAliasAllowed: AssertAliasAllowed;
  serverName: string;
  clock: Clock;
}
