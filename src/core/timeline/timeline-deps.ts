/**
 * What the read paths share: the stores they read, the one client-format serializer, history
 * visibility, state at a point and who may read up to where. Built once by createTimeline;
 * the room actions (core/rooms) take these readers too, never the other way round.
 */
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { ClientEvents } from "./client-event.ts";
import type { RoomAccess } from "./room-access.ts";
import type { StateReader } from "./state-reader.ts";
import type { Visibility } from "./visibility.ts";

export type TimelineStores = Pick<
  Stores,
  "rooms" | "events" | "relations" | "roomState" | "memberships" | "accountData"
>;

export interface TimelineDeps {
  stores: TimelineStores;
  clientEvents: ClientEvents;
  visibility: Visibility;
  state: StateReader;
  access: RoomAccess;
  clock: Clock;
}
