/**
 * Namespaces: which user ids, aliases and room ids an application service is interested
 * in, and which it holds exclusively.
 *
 * A regex matches when it matches at the start of the id (as Synapse's `re.match` does),
 * so `@_irc_.*` covers `@_irc_bob:example.org`. User namespaces only cover local users
 * (spec: "application services can only register interest in local users").
 * https://spec.matrix.org/v1.19/application-service-api/#registration
 */
import { serverNameOf } from "../../matrix/ids.ts";
import type { Namespace, NamespaceKind, StoredRegistration } from "./registration-file.ts";

interface CompiledNamespace extends Namespace {
  pattern: RegExp;
}

export interface Appservice {
  id: string;
  registration: StoredRegistration;
  senderUserId: string;
  /** The user is the sender or in a user namespace (local users only). */
  isInterestedInUser(userId: string): boolean;
  isExclusiveUser(userId: string): boolean;
  isInterestedInAlias(alias: string): boolean;
  isExclusiveAlias(alias: string): boolean;
  isInterestedInRoomId(roomId: string): boolean;
}

const compile = (namespace: Namespace): CompiledNamespace => ({
  ...namespace,
  pattern: new RegExp(`^(?:${namespace.regex})`),
});

export function compileAppservice(registration: StoredRegistration, serverName: string): Appservice {
  const namespaces = {
    users: registration.namespaces.users.map(compile),
    aliases: registration.namespaces.aliases.map(compile),
    rooms: registration.namespaces.rooms.map(compile),
  };
  const senderUserId = `@${registration.sender_localpart}:${serverName}`;
  const matches = (kind: NamespaceKind, id: string, exclusiveOnly: boolean) =>
    namespaces[kind].some((namespace) => (!exclusiveOnly || namespace.exclusive) && namespace.pattern.test(id));
  const isLocal = (id: string) => serverNameOf(id) === serverName;
  return {
    id: registration.id,
    registration,
    senderUserId,
    isInterestedInUser: (userId) => userId === senderUserId || (isLocal(userId) && matches("users", userId, false)),
    isExclusiveUser: (userId) => userId === senderUserId || (isLocal(userId) && matches("users", userId, true)),
    isInterestedInAlias: (alias) => matches("aliases", alias, false),
    isExclusiveAlias: (alias) => matches("aliases", alias, true),
    isInterestedInRoomId: (roomId) => matches("rooms", roomId, false),
  };
}

/**
 * Why two registrations' exclusive namespaces clash, or undefined. Whether two regexes
 * overlap is undecidable in general, so this is a cheap check (docs/appservices.md):
 * identical regexes; one appservice's sender inside the other's exclusive user namespace;
 * or one regex matching sample ids drawn from the other (its literal prefix, alone and
 * followed by a few characters and the server name).
 */
export function exclusiveClash(a: StoredRegistration, b: StoredRegistration, serverName: string): string | undefined {
  const compiledA = compileAppservice(a, serverName);
  const compiledB = compileAppservice(b, serverName);
  if (compiledA.isExclusiveUser(compiledB.senderUserId))
    return `its exclusive user namespace contains ${b.id}'s sender ${compiledB.senderUserId}`;
  if (compiledB.isExclusiveUser(compiledA.senderUserId))
    return `its sender ${compiledA.senderUserId} is in ${b.id}'s exclusive user namespace`;
  for (const kind of ["users", "aliases", "rooms"] as const) {
    for (const x of a.namespaces[kind].filter((n) => n.exclusive)) {
      for (const y of b.namespaces[kind].filter((n) => n.exclusive)) {
        if (regexesOverlap(x.regex, y.regex, kind, serverName)) {
          return `its exclusive ${kind} namespace ${JSON.stringify(x.regex)} overlaps ${b.id}'s exclusive ${JSON.stringify(y.regex)}`;
        }
      }
    }
  }
  return undefined;
}

function regexesOverlap(x: string, y: string, kind: NamespaceKind, serverName: string): boolean {
  if (x === y) return true;
  const px = compile({ regex: x, exclusive: true }).pattern;
  const py = compile({ regex: y, exclusive: true }).pattern;
  return (
    sampleIds(y, kind, serverName).some((id) => px.test(id)) || sampleIds(x, kind, serverName).some((id) => py.test(id))
  );
}

/** A few ids a regex is meant to cover, built from the literal prefix of each top-level alternative. */
export function sampleIds(regex: string, kind: NamespaceKind, serverName: string): string[] {
  const sigil = kind === "users" ? "@" : kind === "aliases" ? "#" : "!";
  return topLevelAlternatives(regex).flatMap((branch) => {
    const prefix = literalPrefix(branch);
    const start = prefix.startsWith(sigil) ? prefix : `${sigil}${prefix}`;
    const bodies = [start, `${start}x`, `${start}a1_b`];
    return prefix.includes(":") ? bodies : [...bodies, ...bodies.map((body) => `${body}:${serverName}`)];
  });
}

function topLevelAlternatives(regex: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let inClass = false;
  let current = "";
  for (let i = 0; i < regex.length; i++) {
    const char = regex[i]!;
    if (char === "\\") {
      current += char + (regex[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) inClass = char !== "]";
    else if (char === "[") inClass = true;
    else if (char === "(") depth++;
    else if (char === ")") depth--;
    else if (char === "|" && depth === 0) {
      branches.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  return [...branches, current];
}

/** The characters every match must start with: `^@_irc_\.x.*` → `@_irc_.x`. */
function literalPrefix(branch: string): string {
  let prefix = "";
  let i = branch.startsWith("^") ? 1 : 0;
  while (i < branch.length) {
    const char = branch[i]!;
    let literal: string | undefined;
    let width = 1;
    if (char === "\\" && i + 1 < branch.length && !/[A-Za-z0-9]/.test(branch[i + 1]!)) {
      literal = branch[i + 1];
      width = 2;
    } else if (!"\\.*+?()[]{}|$^".includes(char)) {
      literal = char;
    }
    if (literal === undefined) break;
    // A quantified character is optional or repeated: it is not part of the prefix.
    if ("?*{".includes(branch[i + width] ?? "")) break;
    prefix += literal;
    i += width;
  }
  return prefix;
}
