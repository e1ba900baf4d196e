/**
 * Event authorization: whether an event passes the authorization rules of its room version
 * against a given room state. https://spec.matrix.org/v1.19/server-server-api/#authorisation-rules
 * and "Authorization rules" on each room version page (https://spec.matrix.org/v1.19/rooms/v1/ … v12/).
 *
 * The rules are applied in the order and with the numbers of the version's page; an
 * `AuthError` names the rule that rejected the event. Signatures and hashes are checked before
 * this, on receipt of the PDU; which state to check against (the event's auth events, the state
 * before it, the current state) is the caller's choice.
 */
import { EventType } from "./event-types.ts";
import { namedPowerLevel, eventPowerLevel, parsePowerLevels } from "./power-levels.ts";
import { stateKeyOf, type Pdu, type StoredEvent } from "./pdu.ts";
import { roomVersion, type RoomVersion } from "./room-versions.ts";
import {
  AuthError,
  membershipOf,
  powerLevelOf,
  reject,
  type AuthCheck,
  type AuthState,
} from "./event-auth/auth-check.ts";
import { checkAuthEvents } from "./event-auth/auth-events.ts";
import { isValidUserId, serverNameOf } from "./ids.ts";
import { authorizeMembership } from "./event-auth/membership.ts";
import { authorizePowerLevelsChange } from "./event-auth/power-levels-change.ts";
import { ruleNumbers } from "./event-auth/rule-numbers.ts";

export { AuthError, type AuthEventEntry, type AuthState } from "./event-auth/auth-check.ts";
export { authEventKeysFor, type AuthEventKey } from "./event-auth/auth-events.ts";

/** Throws `AuthError` unless `pdu` is allowed by the authorization rules of `version` against `authState`. */
export function authorizeEvent(pdu: Pdu, authState: AuthState, version: RoomVersion): void {
  if (pdu.type === EventType.RoomCreate) return authorizeCreate(pdu, version);
  const rules = ruleNumbers(version);
  const create = authState.state.get(stateKeyOf(EventType.RoomCreate, ""));
  // v12 rule 2: the room id is the create event's id with the sigil `!`. The caller has derived
  // that id from the (accepted) create event it put in the state.
  if (
    rules.roomIdIsCreateEvent !== undefined &&
    (create === undefined || pdu.room_id !== roomIdFromCreateEvent(create))
  ) {
    throw new AuthError(rules.roomIdIsCreateEvent, pdu.type, "room_id is not the id of the room's m.room.create event");
  }
  checkAuthEvents(pdu, authState.authEvents, version, rules);
  if (create === undefined) {
    throw new AuthError(rules.authEventsCreate ?? rules.authEvents, pdu.type, "the state has no m.room.create event");
  }
  const powerLevelsEvent = authState.state.get(stateKeyOf(EventType.RoomPowerLevels, ""));
  const check: AuthCheck = {
    pdu,
    version,
    rules,
    state: authState.state,
    create,
    powerLevels: powerLevelsEvent === undefined ? undefined : parsePowerLevels(powerLevelsEvent.pdu.content, version),
  };

  if (create.pdu.content["m.federate"] === false && serverNameOf(pdu.sender) !== serverNameOf(create.pdu.sender)) {
    reject(check, rules.federate, "the room does not federate and the sender is from another server");
  }
  if (rules.aliases !== undefined && pdu.type === EventType.RoomAliases) return authorizeAliases(check, rules.aliases);
  if (pdu.type === EventType.RoomMember) return authorizeMembership(check);
  if (membershipOf(check, pdu.sender) !== "join") reject(check, rules.senderJoined, "sender is not joined");

  const senderLevel = powerLevelOf(check, pdu.sender);
  if (pdu.type === EventType.RoomThirdPartyInvite) {
    if (senderLevel >= namedPowerLevel("invite", check.powerLevels)) return;
    reject(check, `${rules.thirdPartyInvite}.1`, "sender's power level is below the invite level");
  }
  if (eventPowerLevel(pdu.type, pdu.state_key !== undefined, check.powerLevels) > senderLevel) {
    reject(check, rules.requiredPowerLevel, "sender's power level is below the level this event type requires");
  }
  // Only keys that start with `@` are reserved for their user; MatrixRTC's `_@user:server_DEVICE`
  // member keys deliberately do not, so they pass like any other state key.
  if (pdu.state_key?.startsWith("@") && pdu.state_key !== pdu.sender) {
    reject(check, rules.userStateKey, "state_key starts with @ and is not the sender");
  }
  if (pdu.type === EventType.RoomPowerLevels) return authorizePowerLevelsChange(check);
  if (rules.redaction !== undefined && pdu.type === EventType.RoomRedaction)
    return authorizeRedaction(check, rules.redaction);
}

function roomIdFromCreateEvent(create: StoredEvent): string {
  return `!${create.event_id.slice(1)}`;
}

/** Rule 1, the same number in every version; v11 dropped 1.4 (`creator`), v12 reused it for `additional_creators`. */
function authorizeCreate(pdu: Pdu, version: RoomVersion): void {
  const fail = (rule: string, reason: string): never => {
    throw new AuthError(rule, pdu.type, reason);
  };
  if (pdu.prev_events.length > 0) fail("1.1", "has prev_events");
  if (version.roomIdFromCreateEvent) {
    if (pdu.room_id !== undefined) fail("1.2", "has a room_id, which this room version derives from the create event");
  } else {
    const roomDomain = pdu.room_id === undefined ? undefined : serverNameOf(pdu.room_id);
    if (roomDomain === undefined || roomDomain !== serverNameOf(pdu.sender))
      fail("1.2", "room_id's domain is not the sender's");
  }
  const roomVersionId = pdu.content.room_version;
  if (roomVersionId !== undefined && (typeof roomVersionId !== "string" || roomVersion(roomVersionId) === undefined)) {
    fail("1.3", `room_version ${JSON.stringify(roomVersionId)} is not recognised`);
  }
  if (!version.implicitRoomCreator && !Object.hasOwn(pdu.content, "creator")) fail("1.4", "content has no creator");
  const additional = pdu.content.additional_creators;
  if (version.privilegedCreators && additional !== undefined) {
    if (!Array.isArray(additional) || !additional.every((user) => typeof user === "string" && isValidUserId(user))) {
      fail("1.4", "additional_creators is not an array of user ids");
    }
  }
}

/** v1–v5 rule 4: a server may only publish aliases under its own name as state_key. */
function authorizeAliases(check: AuthCheck, rule: string): void {
  const { pdu } = check;
  if (pdu.state_key === undefined) reject(check, `${rule}.1`, "has no state_key");
  if (serverNameOf(pdu.sender) !== pdu.state_key) reject(check, `${rule}.2`, "state_key is not the sender's domain");
}

/**
 * v1–v2 rule 11: redacting needs the redact level unless the redaction comes from the server
 * that sent the redacted event (both event ids carry their server's name in these versions).
 */
function authorizeRedaction(check: AuthCheck, rule: string): void {
  const { pdu } = check;
  if (powerLevelOf(check, pdu.sender) >= namedPowerLevel("redact", check.powerLevels)) return;
  const redactedDomain = pdu.redacts === undefined ? undefined : serverNameOf(pdu.redacts);
  if (redactedDomain !== undefined && pdu.event_id !== undefined && redactedDomain === serverNameOf(pdu.event_id))
    return;
  reject(check, `${rule}.3`, "sender is below the redact level and the redacted event is from another server");
}
