/**
 * Server-side key backup.
 * https://spec.matrix.org/v1.19/client-server-api/#server-side-key-backups
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { BackupVersion, KeyBackupData, RoomKeyBackup, RoomKeysUpdateResponse } from "../schemas/keys.ts";
import { Empty } from "../schemas/common.ts";

const tags = ["End-to-end encryption"];
const AuthData = t.Record(t.String(), t.Unknown());
const Version = t.Object({ version: t.String() });
const InRoom = t.Object({ roomId: t.String() });
const InSession = t.Object({ roomId: t.String(), sessionId: t.String() });
const wrongVersion =
  "Uploads go to the current version only: another answers 403 M_WRONG_ROOM_KEYS_VERSION with current_version.";
const better =
  "A session already stored is replaced only by a better copy (verified, then lower first_message_index, then lower forwarded_count).";

export const keyBackupRoutes = (services: Services) =>
  new Elysia({ prefix: "/_matrix/client/v3/room_keys" })
    .use(auth(services))
    .post(
      "/version",
      ({ requester, body }) => services.keyBackup.createVersion(requester, body.algorithm, body.auth_data),
      {
        auth: "user",
        body: t.Object({ algorithm: t.String(), auth_data: AuthData }),
        response: Version,
        detail: {
          summary: "POST /_matrix/client/v3/room_keys/version",
          description: "Creates a new backup version; it becomes the current one.",
          tags,
        },
      },
    )
    .get("/version", ({ requester }) => services.keyBackup.getVersion(requester), {
      auth: "user",
      response: BackupVersion,
      detail: {
        summary: "GET /_matrix/client/v3/room_keys/version",
        description: "The current backup version, or 404 M_NOT_FOUND.",
        tags,
      },
    })
    .get("/version/:version", ({ requester, params }) => services.keyBackup.getVersion(requester, params.version), {
      auth: "user",
      params: Version,
      response: BackupVersion,
      detail: {
        summary: "GET /_matrix/client/v3/room_keys/version/{version}",
        description: "A backup version with its key count and etag.",
        tags,
      },
    })
    .put(
      "/version/:version",
      ({ requester, params, body }) => {
        services.keyBackup.updateVersion(requester, params.version, body);
        return {};
      },
      {
        auth: "user",
        params: Version,
        body: t.Object({ algorithm: t.String(), auth_data: AuthData, version: t.Optional(t.String()) }),
        response: Empty,
        detail: {
          summary: "PUT /_matrix/client/v3/room_keys/version/{version}",
          description: "Replaces auth_data; the algorithm cannot change.",
          tags,
        },
      },
    )
    .delete(
      "/version/:version",
      ({ requester, params }) => {
        services.keyBackup.deleteVersion(requester, params.version);
        return {};
      },
      {
        auth: "user",
        params: Version,
        response: Empty,
        detail: {
          summary: "DELETE /_matrix/client/v3/room_keys/version/{version}",
          description: "Deletes a version and its keys.",
          tags,
        },
      },
    )
    .put("/keys", ({ requester, query, body }) => services.keyBackup.putKeys(requester, query.version, body.rooms), {
      auth: "user",
      query: Version,
      body: t.Object({ rooms: t.Record(t.String(), RoomKeyBackup) }),
      response: RoomKeysUpdateResponse,
      detail: {
        summary: "PUT /_matrix/client/v3/room_keys/keys",
        description: `Stores keys of several rooms. ${wrongVersion} ${better}`,
        tags,
      },
    })
    .get("/keys", ({ requester, query }) => services.keyBackup.getKeys(requester, query.version), {
      auth: "user",
      query: Version,
      response: t.Object({ rooms: t.Record(t.String(), RoomKeyBackup) }),
      detail: { summary: "GET /_matrix/client/v3/room_keys/keys", description: "Every key of a backup version.", tags },
    })
    .delete("/keys", ({ requester, query }) => services.keyBackup.deleteKeys(requester, query.version), {
      auth: "user",
      query: Version,
      response: RoomKeysUpdateResponse,
      detail: {
        summary: "DELETE /_matrix/client/v3/room_keys/keys",
        description: "Deletes every key of a backup version.",
        tags,
      },
    })
    .put(
      "/keys/:roomId",
      ({ requester, query, params, body }) =>
        services.keyBackup.putKeys(requester, query.version, { [params.roomId]: body }),
      {
        auth: "user",
        query: Version,
        params: InRoom,
        body: RoomKeyBackup,
        response: RoomKeysUpdateResponse,
        detail: {
          summary: "PUT /_matrix/client/v3/room_keys/keys/{roomId}",
          description: `Stores keys of one room. ${wrongVersion} ${better}`,
          tags,
        },
      },
    )
    .get(
      "/keys/:roomId",
      ({ requester, query, params }) => services.keyBackup.getRoomKeys(requester, query.version, params.roomId),
      {
        auth: "user",
        query: Version,
        params: InRoom,
        response: RoomKeyBackup,
        detail: {
          summary: "GET /_matrix/client/v3/room_keys/keys/{roomId}",
          description: "The keys of one room ({sessions: {}} when none).",
          tags,
        },
      },
    )
    .delete(
      "/keys/:roomId",
      ({ requester, query, params }) => services.keyBackup.deleteKeys(requester, query.version, params.roomId),
      {
        auth: "user",
        query: Version,
        params: InRoom,
        response: RoomKeysUpdateResponse,
        detail: {
          summary: "DELETE /_matrix/client/v3/room_keys/keys/{roomId}",
          description: "Deletes the keys of one room.",
          tags,
        },
      },
    )
    .put(
      "/keys/:roomId/:sessionId",
      ({ requester, query, params, body }) =>
        services.keyBackup.putKeys(requester, query.version, {
          [params.roomId]: { sessions: { [params.sessionId]: body } },
        }),
      {
        auth: "user",
        query: Version,
        params: InSession,
        body: KeyBackupData,
        response: RoomKeysUpdateResponse,
        detail: {
          summary: "PUT /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}",
          description: `Stores one key. ${wrongVersion} ${better}`,
          tags,
        },
      },
    )
    .get(
      "/keys/:roomId/:sessionId",
      ({ requester, query, params }) =>
        services.keyBackup.getSessionKey(requester, query.version, params.roomId, params.sessionId),
      {
        auth: "user",
        query: Version,
        params: InSession,
        response: KeyBackupData,
        detail: {
          summary: "GET /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}",
          description: "One key, or 404 M_NOT_FOUND.",
          tags,
        },
      },
    )
    .delete(
      "/keys/:roomId/:sessionId",
      ({ requester, query, params }) =>
        services.keyBackup.deleteKeys(requester, query.version, params.roomId, params.sessionId),
      {
        auth: "user",
        query: Version,
        params: InSession,
        response: RoomKeysUpdateResponse,
        detail: {
          summary: "DELETE /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}",
          description: "Deletes one key.",
          tags,
        },
      },
    );
