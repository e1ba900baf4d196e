/**
 * Device keys: upload, query, claim and changes.
 * https://spec.matrix.org/v1.19/client-server-api/#end-to-end-encryption
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { DeviceKeys, Failures, OneTimeKeys, SignedObject } from "../schemas/keys.ts";

const tags = ["End-to-end encryption"];

export const keysRoutes = (services: Services) =>
  new Elysia({ prefix: "/_matrix/client/v3/keys" })
    .use(auth(services))
    .post("/upload", ({ requester, body }) => services.deviceKeys.upload(requester, body), {
      auth: "guest",
      body: t.Object({
        device_keys: t.Optional(DeviceKeys),
        one_time_keys: t.Optional(OneTimeKeys),
        fallback_keys: t.Optional(OneTimeKeys),
      }),
      response: t.Object({ one_time_key_counts: t.Record(t.String(), t.Integer()) }),
      detail: {
        summary: "POST /_matrix/client/v3/keys/upload",
        description:
          "Publishes the device's identity keys (signed by its own ed25519 key; they cannot change once set), one-time keys " +
          "(signed ones checked) and fallback keys (one per algorithm). Answers the one-time key counts.",
        tags,
      },
    })
    .post("/query", ({ requester, body }) => services.keyQuery.query(requester, body.device_keys), {
      auth: "guest",
      body: t.Object({ device_keys: t.Record(t.String(), t.Array(t.String())), timeout: t.Optional(t.Integer()) }),
      response: t.Object({
        device_keys: t.Record(t.String(), t.Record(t.String(), SignedObject)),
        master_keys: t.Record(t.String(), SignedObject),
        self_signing_keys: t.Record(t.String(), SignedObject),
        user_signing_keys: t.Record(t.String(), SignedObject),
        failures: Failures,
      }),
      detail: {
        summary: "POST /_matrix/client/v3/keys/query",
        description:
          "Device keys (with unsigned.device_display_name) and cross-signing keys of the given users, with the signatures uploaded " +
          "since merged in. The user-signing key is returned only to its owner. Remote users are reported under failures.",
        tags,
      },
    })
    .post("/claim", ({ body }) => services.deviceKeys.claim(body.one_time_keys), {
      auth: "guest",
      body: t.Object({
        one_time_keys: t.Record(t.String(), t.Record(t.String(), t.String())),
        timeout: t.Optional(t.Integer()),
      }),
      response: t.Object({
        one_time_keys: t.Record(t.String(), t.Record(t.String(), t.Record(t.String(), t.Unknown()))),
        failures: Failures,
      }),
      detail: {
        summary: "POST /_matrix/client/v3/keys/claim",
        description:
          "Claims one one-time key per device, oldest first; a claimed key is never handed out again. When a device has none " +
          "left, its fallback key is returned (and reported as used in /sync).",
        tags,
      },
    })
    .get("/changes", ({ requester, query }) => services.deviceLists.keysChanges(requester, query.from, query.to), {
      auth: "user",
      query: t.Object({ from: t.String(), to: t.String() }),
      response: t.Object({ changed: t.Array(t.String()), left: t.Array(t.String()) }),
      detail: {
        summary: "GET /_matrix/client/v3/keys/changes",
        description: "Users sharing a room with the requester whose devices or keys changed between two sync tokens.",
        tags,
      },
    });
