/**
 * The inputs of one authorization check and the lookups every rule makes against them:
 * memberships, power levels and the join rule, as the room state in hand defines them.
 */
import { EventType } from "../event-types.ts";
import { userPowerLevel, type PowerLevels } from "../power-levels.ts";
import { stateKeyOf, type Pdu, type StoredEvent } from "../pdu.ts";
import type { RoomVersion } from "../room-versions.ts";
import type { RuleNumbers } from "./rule-numbers.ts";

/** An event failed the authorization rules; `rule` is the number of the failing rule in its room version. */
export class AuthError extends Error {
  override readonly name = "AuthError";
  constructor(
    readonly rule: string,
    readonly eventType: string,
    readonly reason: string,
  ) {
    super(`${eventType}: ${reason} (rule ${rule})`);
  }
}

/** One of the event's `auth_events`, resolved by the caller, with whether it was itself rejected. */
export interface AuthEventEntry extends StoredEvent {
  rejected: boolean;
}

/**
 * What an event is authorized against.
 * - `state`: the room state to check against (the event's auth events, the state before the
 *   event, or the current state), keyed by `stateKeyOf(type, state_key)`. Only the
 *   auth-relevant entries are read: m.room.create (always required, also in v12 where it is not
 *   an auth event), m.room.power_levels, m.room.join_rules, the sender's and the target's
 *   m.room.member, the m.room.third_party_invite named by a third-party invite, and for
 *   restricted joins the member event of `join_authorised_via_users_server`. Entries carry their
 *   event ids because the creator's first join is recognised by its prev event being the create event.
 * - `authEvents`: the events the PDU lists in `auth_events`, which the rules inspect whatever
 *   state the event is checked against (duplicates, selection, rejection, room id).
 */
export interface AuthState {
  state: ReadonlyMap<string, StoredEvent>;
  authEvents: readonly AuthEventEntry[];
}

/** The event under check, the state it is checked against, and the room version's rule numbering. */
export interface AuthCheck {
  pdu: Pdu;
  version: RoomVersion;
  rules: RuleNumbers;
  state: ReadonlyMap<string, StoredEvent>;
  create: StoredEvent;
  /** Parsed current power levels; undefined when the room has no m.room.power_levels event. */
  powerLevels: PowerLevels | undefined;
}

export function reject(check: AuthCheck, rule: string, reason: string): never {
  throw new AuthError(rule, check.pdu.type, reason);
}

export function stateEvent(check: AuthCheck, type: string, stateKey: string): StoredEvent | undefined {
  return check.state.get(stateKeyOf(type, stateKey));
}

/** A user's current membership, or undefined when they have no member event. */
export function membershipOf(check: AuthCheck, user: string): string | undefined {
  const membership = stateEvent(check, EventType.RoomMember, user)?.pdu.content.membership;
  return typeof membership === "string" ? membership : undefined;
}

export function powerLevelOf(check: AuthCheck, user: string): number {
  return userPowerLevel(user, check.powerLevels, check.create.pdu, check.version);
}

/**
 * The current join rule. The spec does not say what applies without an m.room.join_rules event;
 * as Synapse does we take `invite`, so a room without one is not joinable uninvited.
 */
export function joinRuleOf(check: AuthCheck): string {
  const joinRule = stateEvent(check, EventType.RoomJoinRules, "")?.pdu.content.join_rule;
  return typeof joinRule === "string" ? joinRule : "invite";
}
