/**
 * The server's published signing keys.
 * https://spec.matrix.org/v1.19/server-server-api/#get_matrixkeyv2server
 */
import { Elysia, t } from "elysia";
import type { ServerIdentity } from "../core/server-identity.ts";

export const keyServerRoutes = (identity: ServerIdentity) =>
  new Elysia().get("/_matrix/key/v2/server", () => identity.keyResponse(), {
    response: t.Object({
      server_name: t.String(),
      valid_until_ts: t.Integer(),
      verify_keys: t.Record(t.String(), t.Object({ key: t.String() })),
      old_verify_keys: t.Record(t.String(), t.Object({ key: t.String(), expired_ts: t.Integer() })),
      signatures: t.Record(t.String(), t.Record(t.String(), t.String())),
    }),
    detail: {
      summary: "GET /_matrix/key/v2/server",
      description: "This server's ed25519 verify keys, signed with the current key.",
      tags: ["Server keys"],
    },
  });
