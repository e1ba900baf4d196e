/**
 * The stable room versions and the behaviours that differ between them.
 * https://spec.matrix.org/v1.19/rooms/ — each flag names the version that introduced it.
 */
export type RoomVersionId = "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "10" | "11" | "12";

export interface RoomVersion {
  id: RoomVersionId;
  /** v1–v2 `$random:server`; v3 standard base64 of the reference hash; v4+ URL-safe base64. */
  eventIdFormat: "v1" | "v3" | "v4";
  /** v1 state resolution, v2, or v2.1 (v12). */
  stateResolution: "v1" | "v2" | "v2.1";
  /** Which redaction algorithm's keep-lists apply. */
  redaction: "v1" | "v6" | "v8" | "v9" | "v11";
  /** v1–v5: m.room.aliases has its own auth rule. */
  specialCaseAliasesAuth: boolean;
  /** v1–v2: m.room.redaction has its own auth rule (redact level, or the same domain in both event ids). */
  specialCaseRedactionAuth: boolean;
  /** v6+: integers outside [-(2^53)+1, 2^53-1] and floats are rejected. */
  strictCanonicalJson: boolean;
  /** v6+: changes to `notifications` in power levels are checked like other keys. */
  limitNotificationsPowerLevels: boolean;
  /** v7+: the knock membership. */
  knockJoinRule: boolean;
  /** v8+: the restricted join rule. */
  restrictedJoinRule: boolean;
  /** v10+: the knock_restricted join rule. */
  knockRestrictedJoinRule: boolean;
  /** v10+: power level values must be integers, not strings. */
  integerPowerLevels: boolean;
  /** v11+: the room creator is the create event's sender (no `creator` in content). */
  implicitRoomCreator: boolean;
  /** v11+: `redacts` lives in the content of m.room.redaction. */
  redactsInContent: boolean;
  /** v12: the room id is derived from the create event's reference hash, and creators have unlimited power. */
  roomIdFromCreateEvent: boolean;
  privilegedCreators: boolean;
}

const base: Omit<RoomVersion, "id"> = {
  eventIdFormat: "v1",
  stateResolution: "v1",
  redaction: "v1",
  specialCaseAliasesAuth: true,
  specialCaseRedactionAuth: true,
  strictCanonicalJson: false,
  limitNotificationsPowerLevels: false,
  knockJoinRule: false,
  restrictedJoinRule: false,
  knockRestrictedJoinRule: false,
  integerPowerLevels: false,
  implicitRoomCreator: false,
  redactsInContent: false,
  roomIdFromCreateEvent: false,
  privilegedCreators: false,
};

const v1: RoomVersion = { ...base, id: "1" };
const v2: RoomVersion = { ...v1, id: "2", stateResolution: "v2" };
const v3: RoomVersion = { ...v2, id: "3", eventIdFormat: "v3", specialCaseRedactionAuth: false };
const v4: RoomVersion = { ...v3, id: "4", eventIdFormat: "v4" };
const v5: RoomVersion = { ...v4, id: "5" };
const v6: RoomVersion = {
  ...v5,
  id: "6",
  redaction: "v6",
  specialCaseAliasesAuth: false,
  strictCanonicalJson: true,
  limitNotificationsPowerLevels: true,
};
const v7: RoomVersion = { ...v6, id: "7", knockJoinRule: true };
const v8: RoomVersion = { ...v7, id: "8", redaction: "v8", restrictedJoinRule: true };
const v9: RoomVersion = { ...v8, id: "9", redaction: "v9" };
const v10: RoomVersion = { ...v9, id: "10", knockRestrictedJoinRule: true, integerPowerLevels: true };
const v11: RoomVersion = { ...v10, id: "11", redaction: "v11", implicitRoomCreator: true, redactsInContent: true };
const v12: RoomVersion = {
  ...v11,
  id: "12",
  stateResolution: "v2.1",
  roomIdFromCreateEvent: true,
  privilegedCreators: true,
};

export const ROOM_VERSIONS: Readonly<Record<RoomVersionId, RoomVersion>> = Object.freeze({
  "1": v1,
  "2": v2,
  "3": v3,
  "4": v4,
  "5": v5,
  "6": v6,
  "7": v7,
  "8": v8,
  "9": v9,
  "10": v10,
  "11": v11,
  "12": v12,
});

export const DEFAULT_ROOM_VERSION: RoomVersionId = "12";

export function roomVersion(id: string): RoomVersion | undefined {
  return Object.hasOwn(ROOM_VERSIONS, id) ? ROOM_VERSIONS[id as RoomVersionId] : undefined;
}
