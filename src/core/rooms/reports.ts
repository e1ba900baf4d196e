/**
 * Reporting content to the server's admins: events (by members who can see them), rooms
 * and users. Reports are stored in the `reports` table; nothing is sent anywhere yet.
 * https://spec.matrix.org/v1.19/client-server-api/#reporting-content
 */
import { notFound } from "../../errors.ts";
import { isValidUserId, serverNameOf } from "../../matrix/ids.ts";
import type { RoomDeps } from "./room-deps.ts";

export interface ReportRequest {
  reason?: string;
  /** Removed from the spec in v1.18; older clients still send it (-100 most offensive … 0). */
  score?: number;
}

async function store(
  deps: RoomDeps,
  reporter: string,
  target: { room_id?: string; event_id?: string; user_id?: string },
  request: ReportRequest,
): Promise<void> {
  await deps.engine.write(() =>
    deps.stores.reports.insertReport({
      reporter,
      room_id: target.room_id ?? null,
      event_id: target.event_id ?? null,
      user_id: target.user_id ?? null,
      reason: request.reason ?? null,
      score: request.score ?? null,
      received_ts: deps.clock.now(),
    }),
  );
}

/**
 * POST /rooms/{roomId}/report/{eventId}: the reporter must be joined (spec v1.8) and able to
 * see the event; otherwise 404, the same answer as for an event that does not exist.
 */
export async function reportEvent(
  deps: RoomDeps,
  reporter: string,
  roomId: string,
  eventId: string,
  request: ReportRequest,
): Promise<void> {
  const missing = () => notFound("The event was not found or you are not joined to the room");
  if (deps.access.membershipOf(reporter, roomId) !== "join") throw missing();
  const row = deps.stores.events.selectEvent(eventId);
  if (!row || row.room_id !== roomId || !deps.visibility.forUser(reporter, roomId).visible(row)) throw missing();
  await store(deps, reporter, { room_id: roomId, event_id: eventId }, request);
}

/** POST /rooms/{roomId}/report: anyone may report a room this server knows, joined or not. */
export async function reportRoom(
  deps: RoomDeps,
  reporter: string,
  roomId: string,
  request: ReportRequest,
): Promise<void> {
  if (!deps.stores.rooms.selectRoom(roomId)) throw notFound("The room was not found");
  await store(deps, reporter, { room_id: roomId }, request);
}

/**
 * POST /users/{userId}/report: local users must exist; users of other servers cannot be
 * looked up without federation and are taken on trust.
 */
export async function reportUser(
  deps: RoomDeps,
  reporter: string,
  userId: string,
  request: ReportRequest,
): Promise<void> {
  const local = serverNameOf(userId) === deps.serverName;
  if (!isValidUserId(userId) || (local && !deps.stores.accounts.selectUser(userId)))
    throw notFound("The user was not found");
  await store(deps, reporter, { user_id: userId }, request);
}
