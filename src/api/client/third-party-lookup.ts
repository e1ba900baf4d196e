/**
 * Third-party lookups, answered by the application services that declare the protocol.
 * https://spec.matrix.org/v1.19/client-server-api/#third-party-lookups
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3, JsonObject } from "../schemas/common.ts";

const tags = ["Third-party lookup"];
const Results = t.Array(JsonObject);
const ProtocolParam = t.Object({ protocol: t.String() });
/** Every query parameter is a field passed on to the appservices. */
const Fields = t.Record(t.String(), t.String());

function searchOf(request: Request): URLSearchParams {
  return new URL(request.url).searchParams;
}

export const thirdPartyLookupRoutes = (services: Pick<Services, "sessions" | "appservices">) =>
  new Elysia()
    .use(auth(services))
    .get(`${CLIENT_V3}/thirdparty/protocols`, () => services.appservices.thirdParty.protocols(), {
      auth: "guest",
      response: t.Record(t.String(), JsonObject),
      detail: {
        summary: "GET /_matrix/client/v3/thirdparty/protocols",
        description:
          "The protocols the application services declare, with their metadata merged; instances get an instance_id.",
        tags,
      },
    })
    .get(
      `${CLIENT_V3}/thirdparty/protocol/:protocol`,
      ({ params }) => services.appservices.thirdParty.protocol(params.protocol),
      {
        auth: "guest",
        params: ProtocolParam,
        response: JsonObject,
        detail: {
          summary: "GET /_matrix/client/v3/thirdparty/protocol/{protocol}",
          description: "One protocol's metadata; 404 M_NOT_FOUND if no appservice provides it.",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/thirdparty/location/:protocol`,
      ({ params, request }) => services.appservices.thirdParty.locations(params.protocol, searchOf(request)),
      {
        auth: "guest",
        params: ProtocolParam,
        query: Fields,
        response: Results,
        detail: {
          summary: "GET /_matrix/client/v3/thirdparty/location/{protocol}",
          description:
            "Portal rooms matching the query fields, from every appservice providing the protocol; 404 M_NOT_FOUND for an unknown protocol.",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/thirdparty/user/:protocol`,
      ({ params, request }) => services.appservices.thirdParty.users(params.protocol, searchOf(request)),
      {
        auth: "guest",
        params: ProtocolParam,
        query: Fields,
        response: Results,
        detail: {
          summary: "GET /_matrix/client/v3/thirdparty/user/{protocol}",
          description:
            "Matrix users bridging third-party users matching the query fields; 404 M_NOT_FOUND for an unknown protocol.",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/thirdparty/location`,
      ({ request }) => services.appservices.thirdParty.locations(undefined, searchOf(request)),
      {
        auth: "guest",
        query: t.Object({ alias: t.String() }, { additionalProperties: t.String() }),
        response: Results,
        detail: {
          summary: "GET /_matrix/client/v3/thirdparty/location",
          description: "Third-party locations of a Matrix room alias, from every appservice with a protocol.",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/thirdparty/user`,
      ({ request }) => services.appservices.thirdParty.users(undefined, searchOf(request)),
      {
        auth: "guest",
        query: t.Object({ userid: t.String() }, { additionalProperties: t.String() }),
        response: Results,
        detail: {
          summary: "GET /_matrix/client/v3/thirdparty/user",
          description: "Third-party users of a Matrix user id, from every appservice with a protocol.",
          tags,
        },
      },
    );
