/**
 * POST /rooms/{roomId}/upgrade: a replacement room of the new version with the old room's
 * transferable state and bans, the tombstone in the old room, its local aliases and
 * directory listing moved over, and the old room closed to ordinary members. All of it is one
 * transaction: a refused step leaves both rooms as they were.
 * https://spec.matrix.org/v1.19/client-server-api/#room-upgrades
 */
import { forbidden, invalidParam, MatrixError, notFound } from "../../errors.ts";
import { EventType } from "../../matrix/event-types.ts";
import { generateRoomId, isValidUserId, serverNameOf } from "../../matrix/ids.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { eventPowerLevel } from "../../matrix/power-levels.ts";
import { roomVersion, type RoomVersion } from "../../matrix/room-versions.ts";
import { NotAuthorizedError, type Append } from "./room-engine.ts";
import { planRoom, writeRoom, type CreateRoomRequest } from "./create-room.ts";
import type { RoomDeps } from "./room-deps.ts";
import { roomPower, type RoomPower } from "./room-power.ts";
import { closedPowerLevels, upgradePowerLevels } from "./upgrade-power-levels.ts";

export interface UpgradeRequest {
  new_version: string;
  additional_creators?: string[];
}

/** The state the spec recommends transferring (members are not: servers cannot join others' users). */
const TRANSFERRED_STATE = [
  EventType.RoomServerAcl,
  EventType.RoomEncryption,
  EventType.RoomName,
  EventType.RoomAvatar,
  EventType.RoomTopic,
  EventType.RoomGuestAccess,
  EventType.RoomHistoryVisibility,
  EventType.RoomJoinRules,
];
const SPACE = "m.space";
const FEDERATE = "m.federate";

type InitialState = NonNullable<CreateRoomRequest["initial_state"]>;

export async function upgradeRoom(
  deps: RoomDeps,
  userId: string,
  oldRoomId: string,
  request: UpgradeRequest,
): Promise<{ replacement_room: string }> {
  const version = roomVersion(request.new_version);
  if (!version)
    throw new MatrixError("M_UNSUPPORTED_ROOM_VERSION", `Room version ${request.new_version} is not supported`);
  if (!deps.stores.rooms.selectRoom(oldRoomId)) throw notFound(`Unknown room ${oldRoomId}`);
  const power = roomPower(deps.engine, deps.stores, oldRoomId);
  const joined = deps.access.membershipOf(userId, oldRoomId) === "join";
  if (!power || !joined || power.userLevel(userId) < eventPowerLevel(EventType.RoomTombstone, true, power.levels)) {
    throw forbidden("You cannot upgrade this room: it takes the power to send m.room.tombstone");
  }
  const additionalCreators = version.privilegedCreators
    ? checkedCreators(request.additional_creators ?? [], userId)
    : [];
  const newRoomId = version.roomIdFromCreateEvent ? undefined : generateRoomId(deps.serverName);

  return deps.engine.write((tx) => {
    // A chosen room id lets the tombstone go first, so that the new room's predecessor names it;
    // a v12 room id derives from its create event, so there the tombstone follows.
    const earlyTombstone =
      newRoomId === undefined ? undefined : tx.append(oldRoomId, tombstone(userId, newRoomId)).event_id;
    const planned = replacementRequest(deps, {
      oldRoomId,
      userId,
      power,
      version,
      additionalCreators,
      tombstoneId: earlyTombstone,
    });
    const replacement = writeRoom(tx, planRoom(deps, userId, planned.create), newRoomId).room_id;
    copyBans(deps, tx.append, userId, oldRoomId, replacement);
    if (earlyTombstone === undefined) tx.append(oldRoomId, tombstone(userId, replacement));
    moveAliases(deps, tx.append, userId, oldRoomId, replacement);
    deps.stores.directory.moveListings(oldRoomId, replacement);
    const oldLevels = deps.engine.currentStateEvent(oldRoomId, EventType.RoomPowerLevels, "")?.pdu.content;
    const closed = oldLevels && closedPowerLevels(oldLevels, power.version);
    if (closed)
      appendIfAllowed(tx.append, oldRoomId, {
        type: EventType.RoomPowerLevels,
        state_key: "",
        sender: userId,
        content: closed,
      });
    if (planned.finalPowerLevels)
      tx.append(replacement, {
        type: EventType.RoomPowerLevels,
        state_key: "",
        sender: userId,
        content: planned.finalPowerLevels,
      });
    return { replacement_room: replacement };
  });
}

/** additional_creators for a v12+ room: valid user ids, the upgrader (already a creator) left out. */
function checkedCreators(users: readonly string[], upgrader: string): string[] {
  for (const user of users)
    if (!isValidUserId(user)) throw invalidParam(`additional_creators: invalid user id ${JSON.stringify(user)}`);
  return [...new Set(users)].filter((user) => user !== upgrader);
}

interface Replacement {
  oldRoomId: string;
  userId: string;
  power: RoomPower;
  version: RoomVersion;
  additionalCreators: string[];
  tombstoneId: string | undefined;
}

/** The new room as a createRoom request: creation content, then the copied state over the private_chat preset. */
function replacementRequest(
  deps: RoomDeps,
  r: Replacement,
): { create: CreateRoomRequest; finalPowerLevels: EventContent | undefined } {
  const oldCreate = deps.engine.currentStateEvent(r.oldRoomId, EventType.RoomCreate, "")!.pdu.content;
  const creation: Record<string, unknown> = {
    predecessor: { room_id: r.oldRoomId, ...(r.tombstoneId ? { event_id: r.tombstoneId } : {}) },
  };
  if (typeof oldCreate.type === "string") creation.type = oldCreate.type;
  if (oldCreate[FEDERATE] === false) creation[FEDERATE] = false;
  if (r.additionalCreators.length > 0) creation.additional_creators = r.additionalCreators;

  const initialState: InitialState = [];
  for (const type of TRANSFERRED_STATE) {
    const event = deps.engine.currentStateEvent(r.oldRoomId, type, "");
    if (event) initialState.push({ type, state_key: "", content: event.pdu.content });
  }
  // A space keeps its rooms; a child event with empty content was removed from it.
  if (oldCreate.type === SPACE) {
    for (const entry of deps.stores.roomState.selectCurrentStateOfType(r.oldRoomId, EventType.SpaceChild)) {
      const content = deps.engine.storedEvent(entry.event_id)?.pdu.content;
      if (content && Object.keys(content).length > 0)
        initialState.push({ type: EventType.SpaceChild, state_key: entry.state_key, content });
    }
  }
  let finalPowerLevels: EventContent | undefined;
  const oldLevels = deps.engine.currentStateEvent(r.oldRoomId, EventType.RoomPowerLevels, "")?.pdu.content;
  if (oldLevels) {
    const levels = upgradePowerLevels(oldLevels, r.power.version, r.version, {
      upgrader: r.userId,
      oldCreators: new Set(r.power.creators),
      newCreators: [r.userId, ...r.additionalCreators],
    });
    initialState.unshift({ type: EventType.RoomPowerLevels, state_key: "", content: levels.initial });
    finalPowerLevels = levels.final;
  }
  return {
    create: {
      room_version: r.version.id,
      preset: "private_chat",
      creation_content: creation,
      initial_state: initialState,
    },
    finalPowerLevels,
  };
}

function tombstone(sender: string, replacementRoom: string) {
  return {
    type: EventType.RoomTombstone,
    state_key: "",
    sender,
    content: { body: "This room has been replaced", replacement_room: replacementRoom },
  };
}

/** Bans carry over (Synapse does likewise); one the new room's rules refuse is skipped. */
function copyBans(deps: RoomDeps, append: Append, sender: string, oldRoomId: string, newRoomId: string): void {
  for (const row of deps.stores.memberships.selectMembersOfRoom(oldRoomId, "ban")) {
    const content = deps.engine.storedEvent(row.event_id)?.pdu.content ?? { membership: "ban" };
    appendIfAllowed(append, newRoomId, { type: EventType.RoomMember, state_key: row.user_id, sender, content });
  }
}

/**
 * Local aliases now point to the new room, and so does the canonical alias: the new room
 * names the local ones that moved, the old room keeps the rest (other servers' aliases).
 */
function moveAliases(deps: RoomDeps, append: Append, sender: string, oldRoomId: string, newRoomId: string): void {
  deps.stores.aliases.moveAliases(oldRoomId, newRoomId);
  const current = deps.engine.currentStateEvent(oldRoomId, EventType.RoomCanonicalAlias, "")?.pdu.content;
  if (!current) return;
  const moved = (alias: unknown): alias is string =>
    typeof alias === "string" &&
    serverNameOf(alias) === deps.serverName &&
    deps.stores.aliases.selectRoomIdByAlias(alias) === newRoomId;
  const alts = Array.isArray(current.alt_aliases) ? current.alt_aliases : [];
  const next: EventContent = {};
  if (moved(current.alias)) next.alias = current.alias;
  if (alts.some(moved)) next.alt_aliases = alts.filter(moved);
  if (Object.keys(next).length === 0) return;
  append(newRoomId, { type: EventType.RoomCanonicalAlias, state_key: "", sender, content: next });
  const left: EventContent = { ...current };
  if (moved(current.alias)) delete left.alias;
  if (Array.isArray(current.alt_aliases)) {
    const kept = alts.filter((alias) => !moved(alias));
    if (kept.length > 0) left.alt_aliases = kept;
    else delete left.alt_aliases;
  }
  appendIfAllowed(append, oldRoomId, { type: EventType.RoomCanonicalAlias, state_key: "", sender, content: left });
}

/** Best-effort steps: an event the rules refuse is refused before anything is written, so the rest goes on. */
function appendIfAllowed(append: Append, roomId: string, draft: Parameters<Append>[1]): void {
  try {
    append(roomId, draft);
  } catch (error) {
    if (!(error instanceof NotAuthorizedError)) throw error;
  }
}
