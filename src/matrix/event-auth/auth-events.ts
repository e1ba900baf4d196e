/**
 * The auth events of an event: which state a new event must cite (the selection algorithm),
 * and the rule that checks what an incoming event does cite.
 * https://spec.matrix.org/v1.19/server-server-api/#auth-events-selection
 */
import { EventType } from "../event-types.ts";
import { isJsonObject } from "../canonical-json.ts";
import { referenceId, stateKeyOf, type EventContent, type Pdu } from "../pdu.ts";
import type { RoomVersion } from "../room-versions.ts";
import { AuthError, type AuthEventEntry } from "./auth-check.ts";
import type { RuleNumbers } from "./rule-numbers.ts";

/** The (type, state_key) of one state event to cite in `auth_events`. */
export interface AuthEventKey {
  type: string;
  state_key: string;
}

/** Memberships whose auth events include the join rules. */
const MEMBERSHIPS_NEEDING_JOIN_RULES = new Set(["join", "invite", "knock"]);

/**
 * The state a new event cites in `auth_events`, each entry only "if any" exists in the room.
 * The create event has none. v12 does not cite the create event either: its room id is
 * derived from the create event, which implies it.
 */
export function authEventKeysFor(
  type: string,
  stateKey: string | undefined,
  sender: string,
  content: EventContent,
  version: RoomVersion,
): AuthEventKey[] {
  if (type === EventType.RoomCreate) return [];
  const keys: AuthEventKey[] = [];
  const add = (keyType: string, keyStateKey: string): void => {
    if (!keys.some((k) => k.type === keyType && k.state_key === keyStateKey))
      keys.push({ type: keyType, state_key: keyStateKey });
  };
  if (!version.roomIdFromCreateEvent) add(EventType.RoomCreate, "");
  add(EventType.RoomPowerLevels, "");
  add(EventType.RoomMember, sender);
  if (type !== EventType.RoomMember || stateKey === undefined) return keys;

  add(EventType.RoomMember, stateKey);
  const membership = content.membership;
  if (typeof membership === "string" && MEMBERSHIPS_NEEDING_JOIN_RULES.has(membership))
    add(EventType.RoomJoinRules, "");
  const thirdPartyInvite = content.third_party_invite;
  if (membership === "invite" && isJsonObject(thirdPartyInvite)) {
    const signed = thirdPartyInvite.signed;
    if (isJsonObject(signed) && typeof signed.token === "string") add(EventType.RoomThirdPartyInvite, signed.token);
  }
  const authoriser = content.join_authorised_via_users_server;
  if (membership === "join" && version.restrictedJoinRule && typeof authoriser === "string")
    add(EventType.RoomMember, authoriser);
  return keys;
}

function keyOf(entry: AuthEventEntry): string | undefined {
  return entry.pdu.state_key === undefined ? undefined : stateKeyOf(entry.pdu.type, entry.pdu.state_key);
}

/**
 * "Considering the event's auth_events" (rule 2; rule 3 in v12). `authEvents` are the events the
 * PDU cites, resolved by the caller; each sub-rule is applied to all of them before the next,
 * so the error names the first sub-rule in the spec's order that fails.
 */
export function checkAuthEvents(
  pdu: Pdu,
  authEvents: readonly AuthEventEntry[],
  version: RoomVersion,
  rules: RuleNumbers,
): void {
  const fail = (rule: string, reason: string): never => {
    throw new AuthError(rule, pdu.type, reason);
  };
  const cited = pdu.auth_events.map((reference) => {
    const id = referenceId(reference);
    return (
      authEvents.find((entry) => entry.event_id === id) ?? fail(rules.authEvents, `auth event ${id} is not available`)
    );
  });

  const seen = new Set<string>();
  for (const entry of cited) {
    const key = keyOf(entry);
    if (key === undefined) continue;
    if (seen.has(key))
      fail(rules.authEventsDuplicate, `auth_events cite ${entry.pdu.type} "${entry.pdu.state_key}" twice`);
    seen.add(key);
  }

  const selected = new Set(
    authEventKeysFor(pdu.type, pdu.state_key, pdu.sender, pdu.content, version).map((k) =>
      stateKeyOf(k.type, k.state_key),
    ),
  );
  for (const entry of cited) {
    const key = keyOf(entry);
    if (key === undefined || !selected.has(key)) {
      fail(
        rules.authEventsSelection,
        `auth event ${entry.event_id} (${entry.pdu.type}) is not one the auth events selection picks`,
      );
    }
  }

  for (const entry of cited) {
    if (entry.rejected) fail(rules.authEventsRejected, `auth event ${entry.event_id} was rejected`);
  }

  if (rules.authEventsCreate !== undefined && !cited.some((entry) => entry.pdu.type === EventType.RoomCreate)) {
    fail(rules.authEventsCreate, "auth_events do not include the m.room.create event");
  }

  for (const entry of cited) {
    if (entry.pdu.room_id !== pdu.room_id)
      fail(rules.authEventsRoomId, `auth event ${entry.event_id} belongs to another room`);
  }
}
