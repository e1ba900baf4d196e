/**
 * The room services: the engine and readers built once, and every room action bound to them.
 * Split by action, one module each, as tuwunel does.
 */
import type { SigningKey } from "../../matrix/signing.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import type { Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";
import { createRoomEngine } from "./room-engine.ts";
import type { Logger } from "../../logger.ts";
import type { AppendHooks } from "./appended-event.ts";
import { redactEvent } from "./redact.ts";
import { appendMessageEvent, sendEvent } from "./send.ts";
import { appendStateEvent, setState } from "./set-state.ts";
import type { TimelineDeps } from "../timeline/timeline-deps.ts";
import {
  allowEveryAlias,
  createAlias,
  deleteAlias,
  localAliases,
  resolveAlias,
  type AssertAliasAllowed,
} from "./aliases.ts";
import { createRoom, type CreateRoomRequest } from "./create-room.ts";
import {
  directoryVisibility,
  publicRooms,
  setDirectoryVisibility,
  type DirectoryVisibility,
  type PublicRoomsRequest,
} from "./directory.ts";
import { getJoinedMembers, getJoinedRooms, getMembers, type MembersRequest } from "./members.ts";
import { banUser } from "./membership/ban.ts";
import { forgetRoom } from "./membership/forget.ts";
import { inviteUser } from "./membership/invite.ts";
import { joinRoom } from "./membership/join.ts";
import { kickUser } from "./membership/kick.ts";
import { knockRoom } from "./membership/knock.ts";
import { leaveAllRooms, leaveRoom } from "./membership/leave.ts";
import { updateMemberProfiles } from "./membership/profile-change.ts";
import { unbanUser } from "./membership/unban.ts";
import type { ProfileLookup, RoomDeps, RoomStores } from "./room-deps.ts";
import { reportEvent, reportRoom, reportUser, type ReportRequest } from "./reports.ts";
import { roomSummary } from "./room-summary.ts";
import { upgradeRoom, type UpgradeRequest } from "./upgrade.ts";

export interface RoomServiceDeps {
  stores: RoomStores;
  identity: { serverName: string; signingKey: SigningKey };
  clock: Clock;
  logger: Pick<Logger, "error">;
  /** What runs on every append, inside its transaction and after the commit (core/append-pipeline.ts). */
  hooks: AppendHooks;
  /** The read side (core/timeline), which room actions use to check and answer. */
  readers: TimelineDeps;
  getProfile: ProfileLookup;
  /**
   * Vetoes creating or deleting an alias (400 M_EXCLUSIVE): application services' exclusive
   * alias namespaces. Every alias is allowed when nothing is wired in here.
   */
  assertAliasAllowed?: AssertAliasAllowed;
  /** Asks the application services about an alias unknown here; one may create it meanwhile. */
  queryUnknownAlias?: (alias: string) => Promise<unknown>;
}

export function createRoomServices({
  stores,
  identity,
  clock,
  logger,
  hooks,
  readers,
  getProfile,
  assertAliasAllowed = allowEveryAlias,
  queryUnknownAlias,
}: RoomServiceDeps) {
  const engine = createRoomEngine({ stores, identity, clock, logger, hooks });
  const deps: RoomDeps = {
    ...readers,
    stores,
    engine,
    getProfile,
    assertAliasAllowed,
    serverName: identity.serverName,
  };
  type R = Requester;

  /** An alias unknown here may be one an appservice creates when asked (spec: application service querying). */
  async function askAboutAlias(roomIdOrAlias: string): Promise<void> {
    if (roomIdOrAlias.startsWith("#") && stores.aliases.selectRoomIdByAlias(roomIdOrAlias) === undefined)
      await queryUnknownAlias?.(roomIdOrAlias);
  }

  const rooms = {
    send: (r: R, roomId: string, type: string, txnId: string, content: EventContent) =>
      sendEvent(deps, r, roomId, type, txnId, content),
    setState: (r: R, roomId: string, type: string, stateKey: string, content: EventContent) =>
      setState(deps, r.user_id, roomId, type, stateKey, content),
    redact: (r: R, roomId: string, eventId: string, txnId: string, reason?: string) =>
      redactEvent(deps, r, roomId, eventId, txnId, reason),
    create: (r: R, request: CreateRoomRequest) => createRoom(deps, r, request),
    upgrade: (r: R, roomId: string, request: UpgradeRequest) => upgradeRoom(deps, r.user_id, roomId, request),
    join: async (r: R, roomIdOrAlias: string, reason?: string) => (
      await askAboutAlias(roomIdOrAlias), joinRoom(deps, r.user_id, roomIdOrAlias, reason, r.is_guest)
    ),
    knock: async (r: R, roomIdOrAlias: string, reason?: string) => (
      await askAboutAlias(roomIdOrAlias), knockRoom(deps, r.user_id, roomIdOrAlias, reason)
    ),
    invite: (r: R, roomId: string, userId: string, reason?: string) =>
      inviteUser(deps, r.user_id, roomId, userId, reason),
    leave: (r: R, roomId: string, reason?: string) => leaveRoom(deps, r.user_id, roomId, reason),
    kick: (r: R, roomId: string, userId: string, reason?: string) => kickUser(deps, r.user_id, roomId, userId, reason),
    ban: (r: R, roomId: string, userId: string, reason?: string) => banUser(deps, r.user_id, roomId, userId, reason),
    unban: (r: R, roomId: string, userId: string, reason?: string) =>
      unbanUser(deps, r.user_id, roomId, userId, reason),
    forget: (r: R, roomId: string) => forgetRoom(deps, r.user_id, roomId),
    members: (r: R, roomId: string, request: MembersRequest) => getMembers(deps, r, roomId, request),
    joinedMembers: (r: R, roomId: string) => getJoinedMembers(deps, r.user_id, roomId),
    joinedRooms: (r: R) => getJoinedRooms(deps, r.user_id),
    /** Sends the user's new profile into every room they are joined to. */
    updateMemberProfiles: (userId: string) => updateMemberProfiles(deps, userId),
    /** The deactivation hook: the accounts code calls it when a user is deactivated. */
    leaveAllRooms: (userId: string) => leaveAllRooms(deps, userId),
  };

  /** Aliases, the published room directory and room summaries: how rooms are found. */
  const directory = {
    createAlias: (r: R, alias: string, roomId: string) => createAlias(deps, r, alias, roomId),
    resolveAlias: (alias: string) => resolveAlias(deps, alias),
    deleteAlias: (r: R, alias: string) => deleteAlias(deps, r, alias),
    localAliases: (r: R, roomId: string) => localAliases(deps, r.user_id, roomId),
    visibility: (roomId: string) => directoryVisibility(deps, roomId),
    setVisibility: (r: R, roomId: string, visibility: DirectoryVisibility) =>
      setDirectoryVisibility(deps, r.user_id, roomId, visibility),
    publicRooms: (request: PublicRoomsRequest) => publicRooms(deps, request),
    summary: (r: R | undefined, roomIdOrAlias: string) => roomSummary(deps, r?.user_id, roomIdOrAlias),
  };

  const reports = {
    event: (r: R, roomId: string, eventId: string, request: ReportRequest) =>
      reportEvent(deps, r.user_id, roomId, eventId, request),
    room: (r: R, roomId: string, request: ReportRequest) => reportRoom(deps, r.user_id, roomId, request),
    user: (r: R, userId: string, request: ReportRequest) => reportUser(deps, r.user_id, userId, request),
  };

  /**
   * Sending on a client's behalf later (delayed events): `write` runs `fn` in one engine
   * transaction with `send`, which appends an event as PUT /send (no transaction id) or
   * PUT /state would, so the event and the caller's own bookkeeping commit together.
   */
  const sending: RoomSending = {
    write: (fn) =>
      engine.write(({ append }) =>
        fn((r, roomId, type, stateKey, content) =>
          stateKey === undefined
            ? appendMessageEvent(deps, append, r, roomId, type, content)
            : appendStateEvent(deps, append, r.user_id, roomId, type, stateKey, content),
        ),
      ),
  };

  return { rooms, directory, reports, engine, sending };
}

/** Appends an event as `requester` would by PUT /send (stateKey undefined) or PUT /state; returns its event id. */
export type SendAs = (
  requester: Requester,
  roomId: string,
  type: string,
  stateKey: string | undefined,
  content: EventContent,
) => string;

export interface RoomSending {
  write<T>(fn: (send: SendAs) => T): Promise<T>;
}

export type RoomServices = ReturnType<typeof createRoomServices>;
