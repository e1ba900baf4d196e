/**
 * Third-party lookups: the client-server /thirdparty endpoints answered by asking the
 * application services that declare the protocol (their registration's `protocols`).
 * https://spec.matrix.org/v1.19/client-server-api/#third-party-lookups
 *
 * As in Synapse: protocol metadata from several appservices is merged, each instance
 * gaining an `instance_id` of "<appservice id>|<network_id>"; lookups concatenate every
 * appservice's valid results; an appservice that fails or answers nonsense adds nothing.
 * A protocol no appservice declares is 404 M_NOT_FOUND; a known one with no match is [].
 */
import { notFound } from "../../errors.ts";
import type { AppserviceApi } from "./appservice-api.ts";
import type { Appservice } from "./namespaces.ts";
import type { AppserviceRegistry } from "./registry.ts";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Query parameters that authenticate the client: never passed on to an appservice. */
const CLIENT_PARAMETERS = ["access_token", "user_id", "device_id", "org.matrix.msc3202.device_id"];

function validResult(value: unknown, key: "alias" | "userid"): value is Json {
  return (
    isObject(value) && typeof value[key] === "string" && typeof value.protocol === "string" && isObject(value.fields)
  );
}

export function createThirdPartyLookups(
  registry: Pick<AppserviceRegistry, "list">,
  api: Pick<AppserviceApi, "thirdParty">,
) {
  const declaring = (protocol: string | undefined) =>
    registry
      .list()
      .filter(
        (appservice) =>
          appservice.registration.url !== null &&
          (protocol === undefined
            ? appservice.registration.protocols.length > 0
            : appservice.registration.protocols.includes(protocol)),
      );

  async function metadata(protocol: string, appservices: Appservice[]): Promise<Json | undefined> {
    const answers = await Promise.all(
      appservices.map(async (appservice) => ({
        appservice,
        info: await api.thirdParty(appservice, `protocol/${encodeURIComponent(protocol)}`, new URLSearchParams()),
      })),
    );
    let merged: Json | undefined;
    const instances: Json[] = [];
    for (const { appservice, info } of answers) {
      if (!isObject(info) || (info.instances !== undefined && !Array.isArray(info.instances))) continue;
      merged ??= info;
      for (const instance of (info.instances ?? []) as unknown[]) {
        if (!isObject(instance)) continue;
        instances.push(
          typeof instance.network_id === "string"
            ? { ...instance, instance_id: `${appservice.id}|${instance.network_id}` }
            : instance,
        );
      }
    }
    return merged && { ...merged, instances };
  }

  async function lookup(
    kind: "location" | "user",
    protocol: string | undefined,
    query: URLSearchParams,
  ): Promise<Json[]> {
    const appservices = declaring(protocol);
    if (protocol !== undefined && appservices.length === 0)
      throw notFound(`No application service provides the protocol ${protocol}`);
    const forwarded = new URLSearchParams([...query].filter(([name]) => !CLIENT_PARAMETERS.includes(name)));
    const path = protocol === undefined ? kind : `${kind}/${encodeURIComponent(protocol)}`;
    const answers = await Promise.all(appservices.map((appservice) => api.thirdParty(appservice, path, forwarded)));
    const key = kind === "location" ? "alias" : "userid";
    return answers.flatMap((answer) =>
      Array.isArray(answer) ? answer.filter((item): item is Json => validResult(item, key)) : [],
    );
  }

  return {
    /** GET /thirdparty/protocols */
    async protocols(): Promise<Record<string, Json>> {
      const names = [...new Set(registry.list().flatMap((appservice) => appservice.registration.protocols))];
      const entries = await Promise.all(
        names.map(async (name) => [name, await metadata(name, declaring(name))] as const),
      );
      return Object.fromEntries(entries.filter((entry): entry is [string, Json] => entry[1] !== undefined));
    },

    /** GET /thirdparty/protocol/{protocol} */
    async protocol(protocol: string): Promise<Json> {
      const info = await metadata(protocol, declaring(protocol));
      if (!info) throw notFound(`No application service provides the protocol ${protocol}`);
      return info;
    },

    /** GET /thirdparty/location/{protocol} and /thirdparty/location?alias= */
    locations: (protocol: string | undefined, query: URLSearchParams) => lookup("location", protocol, query),
    /** GET /thirdparty/user/{protocol} and /thirdparty/user?userid= */
    users: (protocol: string | undefined, query: URLSearchParams) => lookup("user", protocol, query),
  };
}

export type ThirdPartyLookups = ReturnType<typeof createThirdPartyLookups>;
