/**
 * Account data (global and per room) and room tags, which are the room's m.tag account
 * data. Every write takes a new stream position, signalled after commit (accountDataChanged):
 * /sync wakes up from there and asks for what changed since its position.
 * https://spec.matrix.org/v1.19/client-server-api/#client-config
 * https://spec.matrix.org/v1.19/client-server-api/#room-tagging
 */
import { forbidden, MatrixError, notFound } from "../../errors.ts";
import { EventType } from "../../matrix/event-types.ts";
import { isValidRoomId } from "../../matrix/ids.ts";
import { GLOBAL_ROOM } from "../../storage/account-data.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";
import type { Signal } from "../signal.ts";

const TAG = "m.tag";
/** Types the server maintains through other endpoints (read markers, push rules). */
const SERVER_CONTROLLED: readonly string[] = ["m.fully_read", "m.push_rules"];
const MAX_TYPE_BYTES = 255;

type Content = Record<string, unknown>;

export function createAccountData(
  stores: Pick<Stores, "accountData" | "transaction">,
  changed: Pick<Signal<{ user_id: string; position: number }>, "emit">,
) {
  function requireSelf(requester: Requester, userId: string): void {
    if (requester.user_id !== userId) throw forbidden("You cannot access another user's account data");
  }

  function requireRoomId(roomId: string): void {
    if (!isValidRoomId(roomId)) throw new MatrixError("M_INVALID_PARAM", "Invalid room id");
  }

  function requireWritableType(type: string): void {
    if (Buffer.byteLength(type) > MAX_TYPE_BYTES)
      throw new MatrixError("M_INVALID_PARAM", `Account data types are limited to ${MAX_TYPE_BYTES} bytes`);
    if (SERVER_CONTROLLED.includes(type)) {
      // The spec's answer for server-controlled types: 405 with M_BAD_JSON.
      throw new MatrixError("M_BAD_JSON", `Cannot set ${type} through this API`, {}, 405);
    }
  }

  function read(userId: string, roomId: string, type: string): Content | undefined {
    const content = stores.accountData.selectContent(userId, roomId, type);
    return content === undefined ? undefined : (JSON.parse(content) as Content);
  }

  function write(userId: string, roomId: string, type: string, content: Content): void {
    const position = stores.accountData.upsertAccountData(userId, roomId, type, JSON.stringify(content));
    changed.emit({ user_id: userId, position });
  }

  /** Reads, changes and writes the room's m.tag content in one transaction. */
  function updateTags(userId: string, roomId: string, change: (tags: Record<string, unknown>) => boolean): void {
    let position: number | undefined;
    stores.transaction(() => {
      const tags = { ...((read(userId, roomId, TAG)?.tags as Record<string, unknown> | undefined) ?? {}) };
      if (!change(tags)) return;
      position = stores.accountData.upsertAccountData(userId, roomId, TAG, JSON.stringify({ tags }));
    });
    if (position !== undefined) changed.emit({ user_id: userId, position });
  }

  return {
    getGlobal(requester: Requester, userId: string, type: string): Content {
      requireSelf(requester, userId);
      const content = read(userId, GLOBAL_ROOM, type);
      if (!content) throw notFound("Account data not found");
      return content;
    },

    setGlobal(requester: Requester, userId: string, type: string, content: Content): void {
      requireSelf(requester, userId);
      requireWritableType(type);
      write(userId, GLOBAL_ROOM, type, content);
    },

    getRoom(requester: Requester, userId: string, roomId: string, type: string): Content {
      requireSelf(requester, userId);
      requireRoomId(roomId);
      const content = read(userId, roomId, type);
      if (!content) throw notFound("Room account data not found");
      return content;
    },

    /** Room ids are only checked for syntax until rooms exist. */
    setRoom(requester: Requester, userId: string, roomId: string, type: string, content: Content): void {
      requireSelf(requester, userId);
      requireRoomId(roomId);
      requireWritableType(type);
      write(userId, roomId, type, content);
    },

    getTags(requester: Requester, userId: string, roomId: string): { tags: Record<string, Content> } {
      requireSelf(requester, userId);
      requireRoomId(roomId);
      return { tags: (read(userId, roomId, TAG)?.tags as Record<string, Content> | undefined) ?? {} };
    },

    setTag(requester: Requester, userId: string, roomId: string, tag: string, body: Content): void {
      requireSelf(requester, userId);
      requireRoomId(roomId);
      if (Buffer.byteLength(tag) > MAX_TYPE_BYTES)
        throw new MatrixError("M_INVALID_PARAM", `Tags are limited to ${MAX_TYPE_BYTES} bytes`);
      updateTags(userId, roomId, (tags) => {
        tags[tag] = body;
        return true;
      });
    },

    /** Removing a tag the room does not have is not an error. */
    deleteTag(requester: Requester, userId: string, roomId: string, tag: string): void {
      requireSelf(requester, userId);
      requireRoomId(roomId);
      updateTags(userId, roomId, (tags) => delete tags[tag]);
    },

    /** The m.fully_read marker of a room, which clients set through /read_markers or a receipt (never through PUT). */
    setFullyRead(userId: string, roomId: string, eventId: string): void {
      write(userId, roomId, EventType.FullyRead, { event_id: eventId });
    },

    /** For /sync: account data written after `position`, and the latest position. */
    changedSince(userId: string, position: number) {
      return stores.accountData.selectChangedSince(userId, position);
    },

    currentPosition(): number {
      return stores.accountData.selectMaxPosition();
    },
  };
}

export type AccountData = ReturnType<typeof createAccountData>;
