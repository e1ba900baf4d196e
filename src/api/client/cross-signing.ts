/**
 * Cross-signing keys and signatures.
 * https://spec.matrix.org/v1.19/client-server-api/#cross-signing
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { clientAddress } from "../plugins/client-address.ts";
import { AuthData, Empty } from "../schemas/common.ts";
import { CrossSigningKey, SignedObject } from "../schemas/keys.ts";

const tags = ["End-to-end encryption"];

export const crossSigningRoutes = (services: Services) =>
  new Elysia({ prefix: "/_matrix/client/v3/keys" })
    .use(auth(services))
    .post(
      "/device_signing/upload",
      async ({ requester, body, request, server }) => {
        await services.crossSigning.uploadSigningKeys(
          requester,
          body,
          clientAddress(request, server, services.sessions.ipSource),
        );
        return {};
      },
      {
        auth: "user",
        body: t.Object({
          master_key: t.Optional(CrossSigningKey),
          self_signing_key: t.Optional(CrossSigningKey),
          user_signing_key: t.Optional(CrossSigningKey),
          auth: t.Optional(AuthData),
        }),
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/keys/device_signing/upload",
          description:
            "Publishes the user's cross-signing keys; self-signing and user-signing keys must be signed by the master key. The " +
            "first upload, and an identical retry, need no authentication (MSC3967); replacing keys needs user-interactive auth with " +
            "the account password (m.login.password). Application services are exempt.",
          tags,
        },
      },
    )
    .post("/signatures/upload", ({ requester, body }) => services.crossSigning.uploadSignatures(requester, body), {
      auth: "user",
      body: t.Record(t.String(), t.Record(t.String(), SignedObject)),
      response: t.Object({
        failures: t.Record(t.String(), t.Record(t.String(), t.Object({ errcode: t.String(), error: t.String() }))),
      }),
      detail: {
        summary: "POST /_matrix/client/v3/keys/signatures/upload",
        description:
          "Adds signatures: on one's own devices by the self-signing key, on one's own master key by a device, on another " +
          "user's master key by the user-signing key. Each key that fails is reported in failures (e.g. M_INVALID_SIGNATURE).",
        tags,
      },
    });
