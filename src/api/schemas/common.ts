/** Schemas shared by several client-server routes. */
import { t } from "elysia";

export const CLIENT_V3 = "/_matrix/client/v3";
export const CLIENT_V1 = "/_matrix/client/v1";

/** The `auth` object of endpoints behind user-interactive auth; stage-specific keys are kept. */
export const AuthData = t.Object(
  {
    type: t.Optional(t.String({ description: "The stage being attempted." })),
    session: t.Optional(t.String({ description: "The session id the server returned in its 401." })),
  },
  { additionalProperties: t.Unknown(), description: "User-interactive auth data (definitions/auth_data.yaml)." },
);

/** Any JSON object (account data content, profile field bodies). */
export const JsonObject = t.Object({}, { additionalProperties: t.Unknown() });

export const Empty = t.Object({});

export const UserIdParam = t.String({ pattern: "^@", description: "A Matrix user id." });
export const RoomIdParam = t.String({ pattern: "^!", description: "A Matrix room id." });
