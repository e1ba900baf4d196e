/**
 * Server discovery documents.
 * https://spec.matrix.org/v1.19/client-server-api/#well-known-uris
 */
import { Elysia, t } from "elysia";
import type { Config } from "../config.ts";

/** The base URL a client reached us on, honouring a reverse proxy's forwarded headers. */
export function requestBaseUrl(request: Request): string {
  const url = new URL(request.url);
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? url.protocol.replace(":", "");
  const host =
    request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() ?? request.headers.get("host") ?? url.host;
  return `${proto}://${host}`;
}

/** `extraClientFields` gets the request's base URL (see requestBaseUrl) for URLs that point back at this server. */
export const wellKnownRoutes = (
  config: Readonly<Config>,
  extraClientFields: (requestBaseUrl: string) => Record<string, unknown>,
) =>
  new Elysia()
    .get(
      "/.well-known/matrix/client",
      ({ request }) => ({
        "m.homeserver": { base_url: config.well_known.client ?? requestBaseUrl(request) },
        ...extraClientFields(requestBaseUrl(request)),
      }),
      {
        response: t.Object(
          { "m.homeserver": t.Object({ base_url: t.String() }) },
          { additionalProperties: t.Unknown() },
        ),
        detail: {
          summary: "GET /.well-known/matrix/client",
          description: "Where clients find this homeserver.",
          tags: ["Server discovery"],
        },
      },
    )
    .get(
      "/.well-known/matrix/server",
      () => ({ "m.server": config.well_known.server ?? `${config.server_name}:443` }),
      {
        response: t.Object({ "m.server": t.String() }),
        detail: {
          summary: "GET /.well-known/matrix/server",
          description: "Where other servers reach this one.",
          tags: ["Server discovery"],
        },
      },
    )
    .get(
      "/.well-known/matrix/support",
      () => {
        const contacts = config.well_known.support_contacts;
        const page = config.well_known.support_page;
        return { ...(contacts.length ? { contacts } : {}), ...(page ? { support_page: page } : {}) };
      },
      {
        detail: {
          summary: "GET /.well-known/matrix/support",
          description: "Who to contact about this server. Empty when nothing is configured.",
          tags: ["Server discovery"],
        },
      },
    );
