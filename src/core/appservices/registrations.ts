/**
 * Registering and unregistering application services: from `app_service_config_files` at
 * start, and from `bunduit appservice register/unregister`. A registration is checked
 * against every other one and stored together with its sender user in one transaction,
 * so a rejected file leaves nothing behind.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Clock } from "../clock.ts";
import type { Logger } from "../../logger.ts";
import type { Stores } from "../../storage/index.ts";
import type { Accounts } from "../users/accounts.ts";
import { hashToken } from "../users/sessions.ts";
import { exclusiveClash } from "./namespaces.ts";
import {
  parseRegistrationFile,
  RegistrationError,
  toStored,
  type Registration,
  type StoredRegistration,
} from "./registration-file.ts";
import type { AppserviceRegistry } from "./registry.ts";

type RegistrationStores = Pick<Stores, "appservices" | "accessTokens" | "accounts" | "transaction">;

/** Where a registration came from: `config:` rows follow app_service_config_files, `cli:` rows stay until unregistered. */
export type RegistrationOrigin = "config" | "cli";

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
/** "cli:/etc/x.yaml" → "/etc/x.yaml", for messages. */
const fileOf = (source: string) => source.replace(/^(cli|config):/, "");

export function createAppserviceRegistrations(
  stores: RegistrationStores,
  registry: AppserviceRegistry,
  accounts: Pick<Accounts, "insertUser">,
  serverName: string,
  clock: Clock,
  logger: Logger,
) {
  function conflicts(registration: Registration): string[] {
    const problems: string[] = [];
    const asHash = hashToken(registration.as_token);
    const hsHash = hashToken(registration.hs_token);
    for (const row of stores.appservices.selectAppservices()) {
      if (row.id === registration.id) continue;
      const other = JSON.parse(row.registration) as StoredRegistration;
      if (sameBytes(row.as_token_hash, asHash))
        problems.push(`as_token is already the as_token of appservice ${row.id}`);
      if (sameBytes(row.as_token_hash, hsHash)) problems.push(`hs_token is the as_token of appservice ${row.id}`);
      if (other.hs_token === registration.hs_token)
        problems.push(`hs_token is already the hs_token of appservice ${row.id}`);
      if (other.hs_token === registration.as_token) problems.push(`as_token is the hs_token of appservice ${row.id}`);
      const clash = exclusiveClash(toStored(registration), other, serverName);
      if (clash) problems.push(`${clash} (registered from ${fileOf(row.source)})`);
    }
    if (stores.accessTokens.selectByHash(asHash))
      problems.push("as_token is a user's access token; generate a new random token");
    const sender = stores.accounts.selectUser(`@${registration.sender_localpart}:${serverName}`);
    if (sender?.deactivated) problems.push(`the sender ${sender.user_id} is a deactivated account`);
    else if (sender && sender.appservice_id !== null && sender.appservice_id !== registration.id) {
      problems.push(`the sender ${sender.user_id} belongs to appservice ${sender.appservice_id}`);
    }
    return problems;
  }

  /** Stores the registration and creates its sender; `replace` updates an existing id in place, keeping its queue. */
  function register(
    registration: Registration,
    source: string,
    options: { replace?: boolean } = {},
  ): { created: boolean } {
    const created = stores.transaction(() => {
      const existing = stores.appservices.selectAppservice(registration.id);
      if (existing && !options.replace) {
        throw new RegistrationError(fileOf(source), [
          `an appservice with id ${JSON.stringify(registration.id)} is already registered (from ${fileOf(existing.source)}); use --replace to update it`,
        ]);
      }
      const problems = conflicts(registration);
      if (problems.length > 0) throw new RegistrationError(fileOf(source), problems);
      const json = JSON.stringify(toStored(registration));
      const asHash = hashToken(registration.as_token);
      if (existing) stores.appservices.updateAppservice(registration.id, asHash, json, source);
      else stores.appservices.insertAppservice(registration.id, asHash, json, source, clock.now());
      const senderId = `@${registration.sender_localpart}:${serverName}`;
      if (!stores.accounts.selectUser(senderId)) {
        accounts.insertUser({
          user_id: senderId,
          password_hash: null,
          is_admin: false,
          is_guest: false,
          appservice_id: registration.id,
        });
      }
      return !existing;
    });
    registry.reload();
    return { created };
  }

  function readFile(path: string): Registration {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new RegistrationError(path, [
        `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      ]);
    }
    return parseRegistrationFile(text, path);
  }

  return {
    register,

    /** `bunduit appservice register FILE [--replace]`. */
    registerFile(path: string, options: { replace?: boolean } = {}): Registration {
      const registration = readFile(path);
      register(registration, `cli:${resolve(path)}`, options);
      return registration;
    },

    /**
     * At start: every file of app_service_config_files is (re-)registered; a registration
     * that came from a file no longer listed is removed. Any bad file stops the start.
     */
    loadConfigFiles(paths: readonly string[]): void {
      const seen = new Map<string, string>();
      for (const path of paths) {
        const registration = readFile(path);
        const earlier = seen.get(registration.id);
        if (earlier)
          throw new RegistrationError(path, [`id ${JSON.stringify(registration.id)} is also the id of ${earlier}`]);
        seen.set(registration.id, path);
        register(registration, `config:${resolve(path)}`, { replace: true });
      }
      for (const row of stores.appservices.selectAppservices()) {
        if (row.source.startsWith("config:") && !seen.has(row.id)) {
          logger.warn("appservice registration removed: its file is no longer in app_service_config_files", {
            id: row.id,
            source: row.source,
          });
          stores.appservices.deleteAppservice(row.id);
        }
      }
      registry.reload();
    },

    /** Removes the registration with its queue. Its users, the sender included, stay: user ids are never reused. */
    unregister(id: string): boolean {
      const deleted = stores.appservices.deleteAppservice(id);
      registry.reload();
      return deleted;
    },

    list() {
      return stores.appservices.selectAppservices().map((row) => ({
        ...(JSON.parse(row.registration) as StoredRegistration),
        source: row.source,
        registered_ts: row.registered_ts,
      }));
    },
  };
}

export type AppserviceRegistrations = ReturnType<typeof createAppserviceRegistrations>;
