/**
 * Room aliases hosted here: create, resolve, delete and list them, and the rule that
 * m.room.canonical_alias may only name aliases of its room.
 * https://spec.matrix.org/v1.19/client-server-api/#room-aliases
 */
import { forbidden, invalidParam, MatrixError, notFound } from "../../errors.ts";
import { EventType } from "../../matrix/event-types.ts";
import { isValidRoomAlias, parseRoomAlias, serverNameOf } from "../../matrix/ids.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { NotAuthorizedError } from "./room-engine.ts";
import { HistoryVisibility } from "../timeline/visibility.ts";
import type { Requester } from "../requester.ts";
import type { RoomDeps } from "./room-deps.ts";
import { isServerAdmin, mayEditDirectoryEntries } from "./room-power.ts";

export type AliasRequester = Pick<Requester, "user_id" | "appservice_id">;

/**
 * Throws (400 M_EXCLUSIVE) when the requester may not create or delete this alias: users may
 * not touch an appservice's exclusive alias namespace, and an appservice (`appservice_id` set)
 * may only touch its own namespaces. The default allows all, until appservices are wired in.
 */
export type AssertAliasAllowed = (alias: string, requester: AliasRequester) => void;

export const allowEveryAlias: AssertAliasAllowed = () => {};

/** A full alias this server may host; 400 M_INVALID_PARAM otherwise (as Synapse: no whitespace in the localpart). */
export function requireLocalAlias(serverName: string, alias: string): void {
  if (!isValidRoomAlias(alias)) throw invalidParam(`Room alias invalid: ${JSON.stringify(alias)}`);
  const parts = parseRoomAlias(alias);
  if (/\s/u.test(parts.localpart)) throw invalidParam("A room alias may not contain whitespace");
  if (parts.serverName !== serverName)
    throw invalidParam(`Room aliases can only be made on this server (${serverName})`);
}

/** createRoom's `room_alias_name` is a localpart: the alias it names lives here. */
export function aliasFromLocalpart(serverName: string, localpart: string): string {
  const alias = `#${localpart}:${serverName}`;
  if (localpart === "" || localpart.includes(":") || localpart.includes("#"))
    throw invalidParam(`Invalid room_alias_name: ${JSON.stringify(localpart)}`);
  requireLocalAlias(serverName, alias);
  return alias;
}

/** The spec's 409 for a taken alias (createRoom answers M_ROOM_IN_USE instead, as its own section says). */
const aliasExists = (alias: string) => new MatrixError("M_UNKNOWN", `Room alias ${alias} already exists`, {}, 409);

/**
 * PUT /directory/room/{roomAlias}. As Synapse (require_membership_for_aliases), users must
 * be joined to the room; server admins and application services need not be.
 */
export async function createAlias(
  deps: RoomDeps,
  requester: AliasRequester,
  alias: string,
  roomId: string,
): Promise<void> {
  requireLocalAlias(deps.serverName, alias);
  deps.assertAliasAllowed(alias, requester);
  const privileged = requester.appservice_id !== undefined || isServerAdmin(deps, requester.user_id);
  if (!privileged && deps.access.membershipOf(requester.user_id, roomId) !== "join")
    throw forbidden("You must be in the room to create an alias for it");
  if (!deps.stores.rooms.selectRoom(roomId)) throw notFound(`Room ${roomId} not found`);
  await deps.engine.write(() => {
    if (!deps.stores.aliases.insertAlias(alias, roomId, requester.user_id, deps.clock.now())) throw aliasExists(alias);
  });
}

/** GET /directory/room/{roomAlias}. Aliases of other servers would need federation. */
export function resolveAlias(deps: RoomDeps, alias: string): { room_id: string; servers: string[] } {
  if (!isValidRoomAlias(alias)) throw invalidParam(`Room alias invalid: ${JSON.stringify(alias)}`);
  if (serverNameOf(alias) !== deps.serverName)
    throw notFound(`Room alias ${alias} is on another server, and this server does not federate yet`);
  const roomId = deps.stores.aliases.selectRoomIdByAlias(alias);
  if (roomId === undefined) throw notFound(`Room alias ${alias} not found`);
  return { room_id: roomId, servers: [deps.serverName] };
}

/**
 * DELETE /directory/room/{roomAlias}: by the alias's creator, a server admin, or a member
 * who may send m.room.canonical_alias (Synapse's rule). The alias also leaves the room's
 * canonical alias event when the requester may change it; if not, the alias is deleted
 * anyway, as the spec recommends.
 */
export async function deleteAlias(deps: RoomDeps, requester: AliasRequester, alias: string): Promise<void> {
  requireLocalAlias(deps.serverName, alias);
  const row = deps.stores.aliases.selectAlias(alias);
  if (!row) throw notFound(`Room alias ${alias} not found`);
  const allowed =
    requester.appservice_id !== undefined ||
    row.creator === requester.user_id ||
    isServerAdmin(deps, requester.user_id) ||
    mayEditDirectoryEntries(deps, requester.user_id, row.room_id);
  if (!allowed) throw forbidden("You don't have permission to delete the alias");
  deps.assertAliasAllowed(alias, requester);
  await deps.engine.write(({ append }) => {
    if (!deps.stores.aliases.deleteAlias(alias)) throw notFound(`Room alias ${alias} not found`);
    const current = deps.engine.currentStateEvent(row.room_id, EventType.RoomCanonicalAlias, "")?.pdu.content;
    const content = current && withoutAlias(current, alias);
    if (!content) return;
    try {
      append(row.room_id, { type: EventType.RoomCanonicalAlias, state_key: "", sender: requester.user_id, content });
    } catch (error) {
      // Refused before anything was written (authorization comes before storage).
      if (!(error instanceof NotAuthorizedError)) throw error;
    }
  });
}

/** The canonical alias content without `alias`, or undefined when it does not name it. */
export function withoutAlias(content: EventContent, alias: string): EventContent | undefined {
  const next: EventContent = { ...content };
  let changed = false;
  if (next.alias === alias) {
    delete next.alias;
    changed = true;
  }
  if (Array.isArray(next.alt_aliases) && next.alt_aliases.includes(alias)) {
    const rest = next.alt_aliases.filter((other) => other !== alias);
    if (rest.length > 0) next.alt_aliases = rest;
    else delete next.alt_aliases;
    changed = true;
  }
  return changed ? next : undefined;
}

/** GET /rooms/{roomId}/aliases: for joined members, anyone when the room is world_readable, and server admins. */
export function localAliases(deps: RoomDeps, userId: string, roomId: string): { aliases: string[] } {
  const room = deps.stores.rooms.selectRoom(roomId);
  const mayRead =
    deps.access.membershipOf(userId, roomId) === "join" ||
    isServerAdmin(deps, userId) ||
    (room !== undefined &&
      deps.visibility.visibilityAtGroup(room.current_state_group) === HistoryVisibility.WorldReadable);
  if (!room || !mayRead) throw forbidden("You are not a member of the room");
  return { aliases: deps.stores.aliases.selectAliasesByRoom(roomId).map((entry) => entry.alias) };
}

/**
 * New aliases in m.room.canonical_alias must be valid and, if they are ours, point to this
 * room (400 M_BAD_ALIAS). Aliases of other servers cannot be checked without federation and
 * are let through. An absent, null or empty `alias` means "no canonical alias".
 * https://spec.matrix.org/v1.19/client-server-api/#mroomcanonical_alias
 */
export function checkCanonicalAlias(
  deps: Pick<RoomDeps, "serverName" | "stores">,
  roomId: string,
  content: EventContent,
  previous: EventContent | undefined,
): void {
  if (content.alt_aliases !== undefined && !Array.isArray(content.alt_aliases))
    throw invalidParam("alt_aliases must be a list");
  const listed = (value: EventContent | undefined) => [
    value?.alias,
    ...(Array.isArray(value?.alt_aliases) ? value.alt_aliases : []),
  ];
  const old = new Set(listed(previous));
  const [alias, ...alternatives] = listed(content);
  const added = [...(alias === undefined || alias === null || alias === "" ? [] : [alias]), ...alternatives].filter(
    (entry) => !old.has(entry),
  );
  for (const entry of added) {
    if (typeof entry !== "string" || !isValidRoomAlias(entry))
      throw invalidParam(`Invalid alias ${JSON.stringify(entry)}`);
    if (serverNameOf(entry) === deps.serverName && deps.stores.aliases.selectRoomIdByAlias(entry) !== roomId) {
      throw new MatrixError("M_BAD_ALIAS", `The alias ${entry} does not point to this room`);
    }
  }
}
