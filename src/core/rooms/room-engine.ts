/**
 * The room engine: every event the server stores goes through its `write`. Inside one
 * synchronous SQLite transaction (a savepoint of the turn's group commit) it reads the auth
 * state, builds and signs the PDU, authorizes it, writes the event and everything derived
 * from it (persist-event.ts), and runs the hooks that commit with it. Nothing awaits between
 * reading state and writing, so no room lock is needed. Callers and the after-commit hooks
 * hear of the events only once the batch has committed. The hooks are listed in
 * core/append-pipeline.ts.
 */
import { authEventKeysFor, authorizeEvent, AuthError } from "../../matrix/event-auth.ts";
import { roomIdFromCreateEvent } from "../../matrix/event-hashing.ts";
import { EventType } from "../../matrix/event-types.ts";
import { stateKeyOf, type Pdu, type StoredEvent } from "../../matrix/pdu.ts";
import { roomVersion, type RoomVersion } from "../../matrix/room-versions.ts";
import type { SigningKey } from "../../matrix/signing.ts";
import { MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { RoomRow } from "../../storage/rooms.ts";
import type { Logger } from "../../logger.ts";
import { describeError } from "../background-tasks.ts";
import type { Clock } from "../clock.ts";
import type { AppendedEvent, AppendHooks } from "./appended-event.ts";
import { buildPdu, type EventDraft } from "./build-event.ts";
import { asEventContent, checkEventSize, checkIdentifierSizes } from "./event-limits.ts";
import { createEventWriter } from "./persist-event.ts";

export type EngineStores = Pick<Stores, "rooms" | "events" | "roomState" | "memberships" | "relations" | "write">;

export interface EngineDeps {
  stores: EngineStores;
  identity: { serverName: string; signingKey: SigningKey };
  clock: Clock;
  logger: Pick<Logger, "error">;
  /** What runs inside each append's transaction and after its commit (core/append-pipeline.ts). */
  hooks: AppendHooks;
}

/** Local facts about an event that are not part of the PDU. */
export interface AppendOptions {
  /** The client transaction that sent it, for unsigned.transaction_id. */
  txn?: { device_id: string; txn_id: string };
}

/** Appends inside a transaction opened by `write`; the room must exist. */
export type Append = (roomId: string, draft: EventDraft, options?: AppendOptions) => AppendedEvent;

export interface NewRoom {
  version: RoomVersion;
  /** For versions 1–11, where the room id is chosen rather than derived. */
  roomId?: string;
}

/** Parsed state events the auth checks keep reading (create, power levels, members). */
const PARSED_CACHE_LIMIT = 4_096;

/** 403 M_FORBIDDEN naming the authorization rule the event failed. */
export class NotAuthorizedError extends MatrixError {
  constructor(readonly authError: AuthError) {
    super("M_FORBIDDEN", `Not allowed by the authorization rules: ${authError.message}`);
  }
}

export interface WriteTransaction {
  append: Append;
  createRoom: (draft: EventDraft, options: NewRoom) => AppendedEvent;
}

export function createRoomEngine({ stores, identity, clock, logger, hooks }: EngineDeps) {
  const { persist } = createEventWriter(stores);
  // Event JSON only changes when a redaction rewrites it, which calls `forgetParsed`.
  const parsed = new Map<string, StoredEvent>();
  let rewrittenInTransaction = false;

  function parseStored(eventId: string, json: string): StoredEvent {
    return { event_id: eventId, pdu: JSON.parse(json) as Pdu };
  }

  /** A stored event by id, parsed once and then served from memory. */
  function storedEvent(eventId: string): StoredEvent | undefined {
    let event = parsed.get(eventId);
    if (event === undefined) {
      const json = stores.events.selectJson(eventId);
      if (json === undefined) return undefined;
      event = parseStored(eventId, json);
      if (parsed.size >= PARSED_CACHE_LIMIT) parsed.clear();
      parsed.set(eventId, event);
    }
    return event;
  }

  function currentStateEvent(roomId: string, type: string, stateKey: string): StoredEvent | undefined {
    const eventId = stores.roomState.selectCurrentEntry(roomId, type, stateKey);
    return eventId === undefined ? undefined : storedEvent(eventId);
  }

  const stateView = { currentStateEvent };

  function versionOf(room: RoomRow): RoomVersion {
    const version = roomVersion(room.room_version);
    if (!version) throw new Error(`room ${room.room_id} has unknown version ${room.room_version}`);
    return version;
  }

  /** The current state entries the auth rules read for this draft: its auth events plus the create event. */
  function authState(roomId: string, draft: EventDraft, version: RoomVersion) {
    const keys = authEventKeysFor(draft.type, draft.state_key, draft.sender, draft.content, version);
    const state = new Map<string, StoredEvent>();
    for (const key of [{ type: EventType.RoomCreate, state_key: "" }, ...keys]) {
      const mapKey = stateKeyOf(key.type, key.state_key);
      const event = state.has(mapKey) ? undefined : currentStateEvent(roomId, key.type, key.state_key);
      if (event) state.set(mapKey, event);
    }
    const authEvents = keys.flatMap((key) => state.get(stateKeyOf(key.type, key.state_key)) ?? []);
    return { state, authEvents };
  }

  /** The size limits (event-limits.ts); returns the PDU's JSON text, which is what gets stored. */
  function checkSizes(draft: EventDraft, pdu: Pdu): string {
    checkIdentifierSizes(draft.type, draft.state_key);
    const json = JSON.stringify(pdu);
    checkEventSize(json);
    return json;
  }

  function build(
    draft: EventDraft,
    roomId: string | undefined,
    version: RoomVersion,
    prevEvents: StoredEvent[],
    authEvents: StoredEvent[],
    depth: number,
    now = clock.now(),
  ) {
    return asEventContent(() => {
      const built = buildPdu(draft, {
        roomId,
        version,
        serverName: identity.serverName,
        signingKey: identity.signingKey,
        now,
        prevEvents,
        authEvents,
        depth,
      });
      return { ...built, json: checkSizes(draft, built.pdu) };
    });
  }

  function authorize(pdu: Pdu, state: Map<string, StoredEvent>, authEvents: StoredEvent[], version: RoomVersion): void {
    try {
      authorizeEvent(pdu, { state, authEvents: authEvents.map((event) => ({ ...event, rejected: false })) }, version);
    } catch (error) {
      if (error instanceof AuthError) throw new NotAuthorizedError(error);
      throw error;
    }
  }

  function appendInTransaction(roomId: string, draft: EventDraft, options: AppendOptions = {}): AppendedEvent {
    const room = stores.rooms.selectRoom(roomId);
    if (!room) throw new MatrixError("M_NOT_FOUND", "Unknown room");
    const version = versionOf(room);
    const extremities = stores.rooms.selectExtremities(roomId);
    // Only v1–v2 cite prev events with their hashes; later versions need just the ids.
    const prevEvents = extremities.map((row) =>
      version.eventIdFormat === "v1" ? storedEvent(row.event_id)! : ({ event_id: row.event_id } as StoredEvent),
    );
    const depth = Math.max(0, ...extremities.map((row) => row.depth)) + 1;
    const { state, authEvents } = authState(roomId, draft, version);
    const event = build(draft, roomId, version, prevEvents, authEvents, depth);
    authorize(event.pdu, state, authEvents, version);
    return persist(
      room,
      event,
      extremities.map((row) => row.event_id),
      options,
    );
  }

  /** Builds, authorizes and stores a create event, and the room row it implies. Returns the room id. */
  function createRoomInTransaction(draft: EventDraft, options: NewRoom): AppendedEvent {
    const { version } = options;
    const now = clock.now();
    // A v12 room id is the hash of its create event: the same creator making two rooms with the
    // same content in the same millisecond would get the same id, so the later one moves on a
    // millisecond. Chosen ids (v1–v11) are random and never collide in practice.
    for (let attempt = 0; attempt < 100; attempt++) {
      const event = build(
        draft,
        version.roomIdFromCreateEvent ? undefined : options.roomId,
        version,
        [],
        [],
        1,
        now + attempt,
      );
      authorize(event.pdu, new Map(), [], version);
      const roomId = version.roomIdFromCreateEvent ? roomIdFromCreateEvent(event.pdu, version) : options.roomId;
      if (roomId === undefined) throw new Error(`room version ${version.id} needs a chosen room id`);
      if (stores.rooms.selectRoom(roomId)) continue;
      stores.rooms.insertRoom({ room_id: roomId, room_version: version.id, creator: draft.sender, created_ts: now });
      return persist(stores.rooms.selectRoom(roomId)!, event, [], {});
    }
    throw new MatrixError("M_ROOM_IN_USE", "A room with this id already exists");
  }

  /**
   * Runs `fn` synchronously in one transaction (savepoint) with an `append` (and
   * `createRoom`) bound to it; each appended event passes the within-transaction hooks at
   * once. Resolves after the commit, once the after-commit hooks have heard of the appended
   * events. If `fn` throws, nothing is stored and nothing announced.
   */
  async function write<T>(fn: (tx: WriteTransaction) => T): Promise<T> {
    const appended: AppendedEvent[] = [];
    const within = (event: AppendedEvent) => {
      appended.push(event);
      for (const hook of hooks.withinTransaction) hook(event, stateView);
      return event;
    };
    let committed: Promise<T>;
    try {
      committed = stores.write(() =>
        fn({
          append: (roomId, draft, options) => within(appendInTransaction(roomId, draft, options)),
          createRoom: (draft, options) => within(createRoomInTransaction(draft, options)),
        }),
      );
    } catch (error) {
      // A redaction rolled back with the savepoint: its target may be cached in redacted form.
      if (rewrittenInTransaction) parsed.clear();
      throw error;
    } finally {
      rewrittenInTransaction = false;
    }
    let result: T;
    try {
      result = await committed;
    } catch (error) {
      // A failed commit loses the whole batch, including rewrites the cache may hold.
      parsed.clear();
      throw error;
    }
    for (const hook of hooks.afterCommit) {
      for (const event of appended) {
        try {
          hook(event);
        } catch (error) {
          logger.error("an after-commit hook failed", { event_id: event.event_id, error: describeError(error) });
        }
      }
    }
    return result;
  }

  return {
    write,
    currentStateEvent,
    storedEvent,
    /** Drops an event from the parsed cache after its JSON was rewritten (redaction). */
    forgetParsed(eventId: string): void {
      parsed.delete(eventId);
      rewrittenInTransaction = true;
    },
    versionOf,
  };
}

export type RoomEngine = ReturnType<typeof createRoomEngine>;
