/**
 * POST /createRoom: the create event and the events the request implies, in the spec's
 * order, all in one transaction: a request that fails stores nothing.
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3createroom
 */
import { MatrixError } from "../../errors.ts";
import type { JsonObject } from "../../matrix/canonical-json.ts";
import { EventType } from "../../matrix/event-types.ts";
import { generateRoomId } from "../../matrix/ids.ts";
import { stateKeyOf, type EventContent } from "../../matrix/pdu.ts";
import { DEFAULT_ROOM_VERSION, roomVersion, type RoomVersion } from "../../matrix/room-versions.ts";
import type { AppendedEvent } from "./appended-event.ts";
import { NotAuthorizedError, type WriteTransaction } from "./room-engine.ts";
import type { EventDraft } from "./build-event.ts";
import { aliasFromLocalpart, type AliasRequester } from "./aliases.ts";
import { LOCAL_LIST } from "../../storage/directory.ts";
import { memberDraft, requireLocalUser } from "./membership/member-event.ts";
import { defaultPowerLevels, PRESETS, type Preset } from "./presets.ts";
import type { RoomDeps } from "./room-deps.ts";

export interface CreateRoomRequest {
  visibility?: "public" | "private";
  room_alias_name?: string;
  name?: string;
  topic?: string;
  invite?: string[];
  room_version?: string;
  creation_content?: Record<string, unknown>;
  initial_state?: Array<{ type: string; state_key?: string; content: Record<string, unknown> }>;
  preset?: Preset;
  is_direct?: boolean;
  power_level_content_override?: Record<string, unknown>;
}

/** A room's events, decided before anything is written. */
export interface RoomPlan {
  version: RoomVersion;
  create: EventDraft;
  events: EventDraft[];
  alias: string | undefined;
}

export async function createRoom(
  deps: RoomDeps,
  requester: AliasRequester,
  request: CreateRoomRequest,
): Promise<{ room_id: string }> {
  const creator = requester.user_id;
  const plan = planRoom(deps, creator, request);
  if (plan.alias !== undefined) deps.assertAliasAllowed(plan.alias, requester);
  const roomId = plan.version.roomIdFromCreateEvent ? undefined : generateRoomId(deps.serverName);
  try {
    return await deps.engine.write((tx) => {
      const room_id = writeRoom(tx, plan, roomId).room_id;
      if (
        plan.alias !== undefined &&
        !deps.stores.aliases.insertAlias(plan.alias, room_id, creator, deps.clock.now())
      ) {
        throw new MatrixError("M_ROOM_IN_USE", `The alias ${plan.alias} is taken`);
      }
      if (request.visibility === "public") deps.stores.directory.insertListing(room_id, LOCAL_LIST, deps.clock.now());
      return { room_id };
    });
  } catch (error) {
    // The spec's errcode when the request implies state its own rules refuse.
    if (error instanceof NotAuthorizedError) throw new MatrixError("M_INVALID_ROOM_STATE", error.message);
    throw error;
  }
}

/** Writes the planned room inside an engine transaction; returns its create event. `roomId` is for versions 1–11. */
export function writeRoom(tx: WriteTransaction, plan: RoomPlan, roomId: string | undefined): AppendedEvent {
  const create = tx.createRoom(plan.create, { version: plan.version, ...(roomId ? { roomId } : {}) });
  for (const draft of plan.events) tx.append(create.room_id, draft);
  return create;
}

/** The events of a new room as createRoom's request describes them (room upgrades plan theirs here too). */
export function planRoom(deps: RoomDeps, creator: string, request: CreateRoomRequest): RoomPlan {
  const version = roomVersion(request.room_version ?? DEFAULT_ROOM_VERSION);
  if (!version)
    throw new MatrixError("M_UNSUPPORTED_ROOM_VERSION", `Room version ${request.room_version} is not supported`);
  const preset = request.preset ?? (request.visibility === "public" ? "public_chat" : "private_chat");
  const invitees = [...new Set(request.invite ?? [])].filter((userId) => userId !== creator);
  for (const invitee of invitees) requireLocalUser(deps, invitee);
  const alias = request.room_alias_name === undefined ? undefined : checkAlias(deps, request.room_alias_name);

  const initial = new Map<string, EventDraft>();
  for (const { type, state_key = "", content } of request.initial_state ?? []) {
    initial.set(stateKeyOf(type, state_key), { type, state_key, sender: creator, content: content as EventContent });
  }
  const state = (type: string, content: EventContent): EventDraft => ({
    type,
    state_key: "",
    sender: creator,
    content,
  });
  const takeInitial = (type: string) => {
    const draft = initial.get(stateKeyOf(type, ""));
    initial.delete(stateKeyOf(type, ""));
    return draft;
  };

  const create = state(
    EventType.RoomCreate,
    creationContent(version, creator, preset, invitees, request.creation_content),
  );
  const initialPowerLevels = takeInitial(EventType.RoomPowerLevels)?.content;
  const events: EventDraft[] = [
    memberDraft(deps, { sender: creator, target: creator, membership: "join", withProfile: true }),
    state(EventType.RoomPowerLevels, powerLevels(version, create, preset, invitees, request, initialPowerLevels)),
  ];
  if (alias !== undefined) events.push(state(EventType.RoomCanonicalAlias, { alias }));
  const presetState = PRESETS[preset];
  events.push(
    takeInitial(EventType.RoomJoinRules) ?? state(EventType.RoomJoinRules, { join_rule: presetState.join_rule }),
    takeInitial(EventType.RoomHistoryVisibility) ??
      state(EventType.RoomHistoryVisibility, { history_visibility: presetState.history_visibility }),
    takeInitial(EventType.RoomGuestAccess) ??
      state(EventType.RoomGuestAccess, { guest_access: presetState.guest_access }),
    ...initial.values(),
  );
  if (request.name !== undefined) events.push(state(EventType.RoomName, { name: request.name }));
  if (request.topic !== undefined) {
    events.push(
      state(EventType.RoomTopic, {
        topic: request.topic,
        "m.topic": { "m.text": [{ body: request.topic, mimetype: "text/plain" }] },
      }),
    );
  }
  for (const invitee of invitees) {
    const extra: EventContent = request.is_direct ? { is_direct: true } : {};
    events.push(
      memberDraft(deps, { sender: creator, target: invitee, membership: "invite", withProfile: true, extra }),
    );
  }
  return { version, create, events, alias };
}

/** `room_alias_name` is a localpart: the alias is made on this server. */
function checkAlias(deps: RoomDeps, localpart: string): string {
  const alias = aliasFromLocalpart(deps.serverName, localpart);
  if (deps.stores.aliases.selectRoomIdByAlias(alias) !== undefined)
    throw new MatrixError("M_ROOM_IN_USE", `The alias ${alias} is taken`);
  return alias;
}

/**
 * The server sets `room_version` and, before v11, `creator`. For trusted_private_chat in
 * v12 the invitees join `additional_creators`, as the spec recommends.
 */
function creationContent(
  version: RoomVersion,
  creator: string,
  preset: Preset,
  invitees: string[],
  requested: Record<string, unknown> = {},
): EventContent {
  const content = { ...requested } as EventContent;
  delete content.creator;
  if (!version.implicitRoomCreator) content.creator = creator;
  content.room_version = version.id;
  if (version.privilegedCreators && preset === "trusted_private_chat" && invitees.length > 0) {
    const given = Array.isArray(content.additional_creators)
      ? content.additional_creators.filter((user) => typeof user === "string")
      : [];
    content.additional_creators = [...new Set([...given, ...invitees])];
  }
  return content;
}

/**
 * Defaults (or the power levels of initial_state, as Synapse does and bridges rely on),
 * then `power_level_content_override` key by key. From v12 the creators are dropped from
 * `users`: their power is unlimited and the auth rules refuse them there, while clients
 * written for older versions (Element Call among them) still list the creator at 100.
 */
function powerLevels(
  version: RoomVersion,
  create: EventDraft,
  preset: Preset,
  invitees: string[],
  request: CreateRoomRequest,
  initial: EventContent | undefined,
): EventContent {
  const base =
    initial ??
    defaultPowerLevels({ version, creator: create.sender, preset, isDirect: request.is_direct ?? false, invitees });
  const content = { ...base, ...(request.power_level_content_override as JsonObject | undefined) };
  const users = content.users;
  if (version.privilegedCreators && typeof users === "object" && users !== null && !Array.isArray(users)) {
    const creators = [
      create.sender,
      ...(Array.isArray(create.content.additional_creators) ? create.content.additional_creators : []),
    ];
    content.users = Object.fromEntries(Object.entries(users).filter(([user]) => !creators.includes(user)));
  }
  return content;
}
