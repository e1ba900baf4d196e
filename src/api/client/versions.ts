import { Elysia, t } from "elysia";

/**
 * The spec versions whose every feature bunduit serves. A version is listed only when
 * what clients need from it works; unstable features likewise.
 */
// v1.11 is authenticated media: clients (matrix-js-sdk, Element) switch to
// /_matrix/client/v1/media only when it is listed, and the deprecated endpoints are frozen
// by default, so it must be. Its other server-side changes: no UIA for a first
// cross-signing key upload (MSC3967) and unsigned.membership on events (a SHOULD).
export const SUPPORTED_VERSIONS = ["r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11"];

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
