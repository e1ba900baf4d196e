/**
 * The registration file of an application service: the standard YAML format, read with
 * Bun's built-in YAML parser, checked field by field, and normalised into a Registration.
 * https://spec.matrix.org/v1.19/application-service-api/#registration
 * Unstable flags are those Synapse and the bridges use: MSC2409 (ephemeral data and
 * to-device), MSC3202 (device lists and one-time key counts), MSC4190 (device management).
 */
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { isValidNewLocalpart } from "../../matrix/ids.ts";

const NamespaceList = Type.Array(Type.Object({ regex: Type.String({ minLength: 1 }), exclusive: Type.Boolean() }));
const OptionalFlag = Type.Optional(Type.Boolean());

const RegistrationFile = Type.Object({
  id: Type.String({ minLength: 1 }),
  url: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  as_token: Type.String({ minLength: 1 }),
  hs_token: Type.String({ minLength: 1 }),
  sender_localpart: Type.String({ minLength: 1 }),
  namespaces: Type.Object({
    users: Type.Optional(NamespaceList),
    aliases: Type.Optional(NamespaceList),
    rooms: Type.Optional(NamespaceList),
  }),
  rate_limited: OptionalFlag,
  protocols: Type.Optional(Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()])),
  receive_ephemeral: OptionalFlag,
  push_ephemeral: OptionalFlag,
  "de.sorunome.msc2409.push_ephemeral": OptionalFlag,
  "org.matrix.msc3202": OptionalFlag,
  "io.element.msc4190": OptionalFlag,
  "org.matrix.msc4190": OptionalFlag,
});

export interface Namespace {
  regex: string;
  exclusive: boolean;
}

export type NamespaceKind = "users" | "aliases" | "rooms";

/** A registration as bunduit keeps it: flags resolved to booleans, absent lists empty. */
export interface Registration {
  id: string;
  url: string | null;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  namespaces: Record<NamespaceKind, Namespace[]>;
  rate_limited: boolean;
  protocols: string[];
  /** `ephemeral` (and to-device) in transactions: receive_ephemeral, or push_ephemeral. */
  receive_ephemeral: boolean;
  /** The MSC2409 names `de.sorunome.msc2409.ephemeral`/`to_device`, for appservices that only set the unstable flag. */
  legacy_ephemeral: boolean;
  /** MSC3202: device lists and one-time key counts in transactions. */
  device_extensions: boolean;
  /** MSC4190 was asked for; device management without UIA is given to every appservice (spec v1.17). */
  device_management: boolean;
}

export class RegistrationError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`application service registration ${source}: ${problems.join("; ")}`);
    this.name = "RegistrationError";
  }
}

/** Parses and checks a registration file's text; throws RegistrationError listing every problem. */
export function parseRegistrationFile(text: string, source: string): Registration {
  let document: unknown;
  try {
    document = Bun.YAML.parse(text);
  } catch (error) {
    throw new RegistrationError(source, [`not valid YAML: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return validateRegistration(document, source);
}

export function validateRegistration(document: unknown, source: string): Registration {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new RegistrationError(source, [
      "the file must hold a YAML mapping (id, url, as_token, hs_token, sender_localpart, namespaces)",
    ]);
  }
  const problems = [...Value.Errors(RegistrationFile, document)].map((error) =>
    describe(error.path, error.value, error.message),
  );
  if (problems.length > 0) throw new RegistrationError(source, [...new Set(problems)]);
  const file = document as Static<typeof RegistrationFile>;
  const registration: Registration = {
    id: file.id,
    url: file.url === null ? null : file.url.replace(/\/+$/, ""),
    as_token: file.as_token,
    hs_token: file.hs_token,
    sender_localpart: file.sender_localpart,
    namespaces: {
      users: file.namespaces.users ?? [],
      aliases: file.namespaces.aliases ?? [],
      rooms: file.namespaces.rooms ?? [],
    },
    rate_limited: file.rate_limited ?? true,
    protocols: file.protocols ?? [],
    receive_ephemeral: (file.receive_ephemeral ?? false) || (file.push_ephemeral ?? false),
    legacy_ephemeral: file["de.sorunome.msc2409.push_ephemeral"] ?? false,
    device_extensions: file["org.matrix.msc3202"] ?? false,
    device_management: (file["io.element.msc4190"] ?? false) || (file["org.matrix.msc4190"] ?? false),
  };
  const semantic = semanticProblems(registration);
  if (semantic.length > 0) throw new RegistrationError(source, semantic);
  return registration;
}

function semanticProblems(registration: Registration): string[] {
  const problems: string[] = [];
  if (registration.url !== null && !isHttpUrl(registration.url))
    problems.push(`url must be an http(s) URL or null (got ${JSON.stringify(registration.url)})`);
  if (registration.as_token === registration.hs_token) problems.push("as_token and hs_token must differ");
  if (!isValidNewLocalpart(registration.sender_localpart)) {
    problems.push(
      `sender_localpart ${JSON.stringify(registration.sender_localpart)} is not a valid localpart (a-z, 0-9, . _ = - / +)`,
    );
  }
  for (const kind of ["users", "aliases", "rooms"] as const) {
    registration.namespaces[kind].forEach((namespace, i) => {
      const error = regexError(namespace.regex);
      if (error)
        problems.push(
          `namespaces.${kind}[${i}].regex ${JSON.stringify(namespace.regex)} is not a valid regular expression: ${error}`,
        );
    });
  }
  return problems;
}

function regexError(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ["http:", "https:"].includes(new URL(value).protocol);
}

/** "/namespaces/users/0/exclusive" → "namespaces.users[0].exclusive: …", with a hint for a missing field. */
function describe(path: string, value: unknown, message: string): string {
  const field = path
    .replace(/^\//, "")
    .replace(/\/(\d+)/g, "[$1]")
    .replace(/\//g, ".");
  if (value === undefined) {
    const hint = field === "url" ? " (write url: null for an appservice that receives no traffic)" : "";
    return `${field} is missing${hint}`;
  }
  if (field === "as_token" || field === "hs_token")
    return `${field} must be a non-empty string (quote tokens made only of digits)`;
  return `${field}: ${message} (got ${JSON.stringify(value)})`;
}

/** What is stored: everything but the as_token, which is kept as a hash. */
export type StoredRegistration = Omit<Registration, "as_token">;

export function toStored({ as_token: _, ...rest }: Registration): StoredRegistration {
  return rest;
}
