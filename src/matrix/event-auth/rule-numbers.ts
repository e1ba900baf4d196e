/**
 * Where each authorization rule sits in a room version's numbered list, so that a rejection
 * names the rule as that version's page numbers it (https://spec.matrix.org/v1.19/rooms/).
 * Versions add and drop rules, which renumbers everything after them:
 * - v1–v5 have rule 4 for m.room.aliases (gone in v6), v1–v2 rule 11 for m.room.redaction;
 * - v7 adds the knock membership, v8 the join_authorised_via_users_server signature rule and
 *   the restricted join rule, v10 two validity rules for power levels, v12 rule 2 (room id is
 *   the create event) and rule 10.4 (creators may not be listed in `users`).
 * The numbers are those the pages render: CommonMark numbers list items by position, so
 * v12's source "5." under rule 3 shows as 3.4 and its second "10." under rule 10 as 10.11.
 */
import type { RoomVersion } from "../room-versions.ts";

export interface RuleNumbers {
  /** v12: the event's room_id must be the create event's id. */
  roomIdIsCreateEvent: string | undefined;
  /** "Considering the event's auth_events" and its sub-rules. */
  authEvents: string;
  authEventsDuplicate: string;
  authEventsSelection: string;
  authEventsRejected: string;
  /** v1–v11 only: an m.room.create event must be among them. */
  authEventsCreate: string | undefined;
  authEventsRoomId: string;
  federate: string;
  aliases: string | undefined;
  member: string;
  /** v8+: the event must be signed by the server of join_authorised_via_users_server. */
  memberAuthorisingSignature: string | undefined;
  memberJoin: string;
  joinRestricted: string | undefined;
  joinPublic: string;
  joinOtherwise: string;
  memberInvite: string;
  memberLeave: string;
  memberBan: string;
  memberKnock: string | undefined;
  memberUnknown: string;
  senderJoined: string;
  thirdPartyInvite: string;
  requiredPowerLevel: string;
  userStateKey: string;
  powerLevels: string;
  /** v10+: the single-valued levels must be integers. */
  powerLevelsIntegers: string | undefined;
  /** v10+: `events` and `notifications` must map to integers. */
  powerLevelsMaps: string | undefined;
  powerLevelsUsers: string;
  /** v12: creators may not appear in `users`. */
  powerLevelsCreators: string | undefined;
  powerLevelsNoPrevious: string;
  powerLevelsLevels: string;
  powerLevelsMapsCurrent: string;
  powerLevelsMapsNew: string;
  powerLevelsUsersCurrent: string;
  powerLevelsUsersNew: string;
  redaction: string | undefined;
}

export function ruleNumbers(version: RoomVersion): RuleNumbers {
  const roomIdRule = version.roomIdFromCreateEvent ? 1 : 0;
  const authEvents = 2 + roomIdRule;
  const aliases = version.specialCaseAliasesAuth ? 4 + roomIdRule : undefined;
  const member = 4 + roomIdRule + (aliases === undefined ? 0 : 1);

  const signatureRule = version.restrictedJoinRule ? 1 : 0;
  const join = `${member}.${2 + signatureRule}`;
  const knock = version.knockJoinRule ? `${member}.${6 + signatureRule}` : undefined;
  const joinPublic = 5 + (version.restrictedJoinRule ? 1 : 0);

  const powerLevels = member + 5;
  const validityRules = version.integerPowerLevels ? 2 : 0;
  const users = 1 + validityRules;
  const afterUsers = users + (version.privilegedCreators ? 1 : 0);
  const pl = (n: number): string => `${powerLevels}.${n}`;

  return {
    roomIdIsCreateEvent: version.roomIdFromCreateEvent ? "2" : undefined,
    authEvents: `${authEvents}`,
    authEventsDuplicate: `${authEvents}.1`,
    authEventsSelection: `${authEvents}.2`,
    authEventsRejected: `${authEvents}.3`,
    authEventsCreate: version.roomIdFromCreateEvent ? undefined : `${authEvents}.4`,
    authEventsRoomId: `${authEvents}.${version.roomIdFromCreateEvent ? 4 : 5}`,
    federate: `${3 + roomIdRule}`,
    aliases: aliases === undefined ? undefined : `${aliases}`,
    member: `${member}`,
    memberAuthorisingSignature: version.restrictedJoinRule ? `${member}.2.1` : undefined,
    memberJoin: join,
    joinRestricted: version.restrictedJoinRule ? `${join}.5` : undefined,
    joinPublic: `${join}.${joinPublic}`,
    joinOtherwise: `${join}.${joinPublic + 1}`,
    memberInvite: `${member}.${3 + signatureRule}`,
    memberLeave: `${member}.${4 + signatureRule}`,
    memberBan: `${member}.${5 + signatureRule}`,
    memberKnock: knock,
    memberUnknown: `${member}.${(knock === undefined ? 6 : 7) + signatureRule}`,
    senderJoined: `${member + 1}`,
    thirdPartyInvite: `${member + 2}`,
    requiredPowerLevel: `${member + 3}`,
    userStateKey: `${member + 4}`,
    powerLevels: `${powerLevels}`,
    powerLevelsIntegers: version.integerPowerLevels ? pl(1) : undefined,
    powerLevelsMaps: version.integerPowerLevels ? pl(2) : undefined,
    powerLevelsUsers: pl(users),
    powerLevelsCreators: version.privilegedCreators ? pl(users + 1) : undefined,
    powerLevelsNoPrevious: pl(afterUsers + 1),
    powerLevelsLevels: pl(afterUsers + 2),
    powerLevelsMapsCurrent: pl(afterUsers + 3),
    powerLevelsMapsNew: pl(afterUsers + 4),
    powerLevelsUsersCurrent: pl(afterUsers + 5),
    powerLevelsUsersNew: pl(afterUsers + 6),
    redaction: version.specialCaseRedactionAuth ? `${powerLevels + 1}` : undefined,
  };
}
