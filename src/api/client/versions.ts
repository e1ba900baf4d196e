import { Elysia, t } from "elysia";

/**
 * The spec versions bunduit advertises. A version is listed only when what it requires of a
 * server is here, because clients switch behaviour on it. r0.6.1 is not: bunduit serves no
 * r0 paths (bar the TURN and OpenID aliases kept for older clients), and a client must never be told
 * something works that does not.
 *
 * - v1.11 is authenticated media: clients (matrix-js-sdk, Element) switch to
 *   /_matrix/client/v1/media only when it is listed, and the deprecated endpoints are frozen
 *   by default, so it must be. Its other server-side changes: no UIA for a first
 *   cross-signing key upload (MSC3967) and unsigned.membership on events (a SHOULD).
 * - v1.12–v1.15 add nothing missing here: guests on the authenticated media endpoints
 *   (MSC4189), Content-Disposition rules, room and user reports (v1.13, v1.14), the v3 3pid
 *   requestToken error codes, one-time keys claimed in upload order, and the room summary
 *   (v1.15). Account locking and suspension are things a server MAY do, and
 *   /auth_metadata answers 404 M_UNRECOGNIZED, the spec's answer of a server without OAuth.
 * - v1.16: /sync's `use_state_after` and `state_after` (MSC4222), the m.room.create event in
 *   invite and knock stripped state (MSC4311), custom profile fields, `format=event` on
 *   /state, room version 12.
 * - v1.17: legacy mentions removed from the push rules (MSC4210), appservices masquerading
 *   as devices and managing devices without UIA (MSC4326, MSC4190); the rest is clarification.
 * - v1.18 requires invite blocking (MSC4380: M_INVITE_BLOCKED) and v1.19 adds
 *   /mutual_rooms; neither exists.
 *
 * Older gaps listing cannot express: /search, and /hierarchy (v1.2); docs/status.md says so.
 * tests/api/client/versions.test.ts checks that each listed version's new endpoints answer.
 */
export const SUPPORTED_VERSIONS = [
  "v1.1",
  "v1.2",
  "v1.3",
  "v1.4",
  "v1.5",
  "v1.6",
  "v1.7",
  "v1.8",
  "v1.9",
  "v1.10",
  "v1.11",
  "v1.12",
  "v1.13",
  "v1.14",
  "v1.15",
  "v1.16",
  "v1.17",
];

export const versionsRoutes = (unstableFeatures: () => Record<string, boolean>) =>
  new Elysia().get(
    "/_matrix/client/versions",
    () => ({ versions: SUPPORTED_VERSIONS, unstable_features: unstableFeatures() }),
    {
      response: t.Object({ versions: t.Array(t.String()), unstable_features: t.Record(t.String(), t.Boolean()) }),
      detail: {
        summary: "GET /_matrix/client/versions",
        description: "The spec versions this server supports and the unstable features that work on it.",
        tags: ["Server discovery"],
      },
    },
  );
