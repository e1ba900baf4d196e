/**
 * The read side of rooms: /messages, /context, /event, /state, /relations, /threads and
 * /timestamp_to_event, all through one client-format serializer, history visibility and the
 * read point of room-access.ts. Nothing here writes; core/rooms builds on these readers.
 */
import type { Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";
import { createClientEvents } from "./client-event.ts";
import { getContext, getEvent } from "./context.ts";
import { getMessages, type MessagesRequest } from "./messages.ts";
import type { Direction } from "./paginate.ts";
import { getRelations, type RelationsRequest } from "./relations.ts";
import { createRoomAccess } from "./room-access.ts";
import { createStateReader } from "./state-reader.ts";
import { getState, getStateEvent } from "./state.ts";
import { getThreads, type ThreadsRequest } from "./threads.ts";
import type { TimelineDeps, TimelineStores } from "./timeline-deps.ts";
import { timestampToEvent } from "./timestamp.ts";
import { createVisibility } from "./visibility.ts";

export function createTimeline(stores: TimelineStores, clock: Clock) {
  const visibility = createVisibility(stores);
  const readers: TimelineDeps = {
    stores,
    clock,
    visibility,
    clientEvents: createClientEvents(stores, clock),
    access: createRoomAccess(stores, visibility),
    state: createStateReader(stores),
  };
  type R = Requester;

  const timeline = {
    state: (r: R, roomId: string) => getState(readers, r, roomId),
    stateEvent: (r: R, roomId: string, type: string, stateKey: string, format?: "content" | "event") =>
      getStateEvent(readers, r, roomId, type, stateKey, format),
    messages: (r: R, roomId: string, request: MessagesRequest) => getMessages(readers, r, roomId, request),
    context: (r: R, roomId: string, eventId: string, request: { limit?: number; filter?: string }) =>
      getContext(readers, r, roomId, eventId, request),
    event: (r: R, roomId: string, eventId: string) => getEvent(readers, r, roomId, eventId),
    timestampToEvent: (r: R, roomId: string, ts: number, dir: Direction) =>
      timestampToEvent(readers, r.user_id, roomId, ts, dir),
    relations: (r: R, roomId: string, eventId: string, request: RelationsRequest) =>
      getRelations(readers, r, roomId, eventId, request),
    threads: (r: R, roomId: string, request: ThreadsRequest) => getThreads(readers, r, roomId, request),
    /** The thread an event is in (its root's id), or undefined for the main timeline: for threaded receipts. */
    threadOf: (eventId: string) => stores.relations.selectRelation(eventId)?.thread_id ?? undefined,
    /** Whether the user is joined to the room now (the MatrixRTC authorization service asks). */
    isJoinedMember: (roomId: string, userId: string) =>
      stores.memberships.selectMembership(roomId, userId)?.membership === "join",
    /** Users who share a joined room with the user, the user included (device lists, presence). */
    usersSharingRoomWith: (userId: string) => [
      ...new Set([userId, ...stores.memberships.selectUsersSharingRoomWith(userId)]),
    ],
    /** Events by stream position in the client format, for GET /notifications (the user was notified of them, so may see them). */
    eventsByStreamPositions(userId: string, positions: readonly number[]) {
      const rows = stores.events.selectEventsByStreams(positions);
      const events = readers.clientEvents.serializeAll(rows, { user_id: userId, device_id: "" });
      return new Map(rows.map((row, i) => [row.stream_ordering, events[i]!]));
    },
  };

  return { timeline, readers };
}

export type Timeline = ReturnType<typeof createTimeline>["timeline"];
