/**
 * The registered application services, held in memory and looked up on every request that
 * carries a token: an as_token is recognised by its hash in a Map, without a database read.
 *
 * Registrations change through `bunduit appservice register/unregister`, which may run in
 * another process while the server runs. The server notices by polling SQLite's
 * `PRAGMA data_version` (it moves when another connection commits) and re-reads the few
 * rows of the appservices table when it moved (docs/appservices.md#changes-without-a-restart).
 */
import { MatrixError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";
import { createSignal } from "../signal.ts";
import { compileAppservice, type Appservice } from "./namespaces.ts";
import type { StoredRegistration } from "./registration-file.ts";

const tokenKey = (hash: Uint8Array) => Buffer.from(hash).toString("hex");

export function createAppserviceRegistry(stores: Pick<Stores, "appservices">, serverName: string, logger: Logger) {
  let byId = new Map<string, Appservice>();
  let byToken = new Map<string, Appservice>();
  let dataVersion = stores.appservices.selectDataVersion();
  /** The list was re-read: answers cached from the old one are stale. */
  const reloaded = createSignal<readonly Appservice[]>("appservicesReloaded", logger);

  function reload(): void {
    const nextById = new Map<string, Appservice>();
    const nextByToken = new Map<string, Appservice>();
    for (const row of stores.appservices.selectAppservices()) {
      try {
        const appservice = compileAppservice(JSON.parse(row.registration) as StoredRegistration, serverName);
        nextById.set(row.id, appservice);
        nextByToken.set(tokenKey(row.as_token_hash), appservice);
      } catch (error) {
        // Only validated registrations are stored; this guards against hand-edited rows.
        logger.error("a stored appservice registration cannot be used", { id: row.id, error: String(error) });
      }
    }
    byId = nextById;
    byToken = nextByToken;
    reloaded.emit([...byId.values()]);
  }
  reload();

  const list = () => [...byId.values()];
  const exclusiveOwnerOfUser = (userId: string) => list().find((appservice) => appservice.isExclusiveUser(userId));
  const exclusiveOwnerOfAlias = (alias: string) => list().find((appservice) => appservice.isExclusiveAlias(alias));

  return {
    list,
    get: (id: string) => byId.get(id),
    /** The appservice whose as_token this is, if any. */
    byTokenHash: (hash: Uint8Array) => byToken.get(tokenKey(hash)),
    interestedInUser: (userId: string) => list().filter((appservice) => appservice.isInterestedInUser(userId)),
    exclusiveOwnerOfUser,
    exclusiveOwnerOfAlias,

    /**
     * Throws 400 M_EXCLUSIVE when `requester` may not create or take over `userId`: ordinary
     * users may not enter an exclusive namespace, appservices may not leave their own.
     * https://spec.matrix.org/v1.19/application-service-api/#server-admin-style-permissions
     */
    assertUserAllowed(userId: string, requester?: Pick<Requester, "appservice_id">): void {
      const appservice = requester?.appservice_id === undefined ? undefined : byId.get(requester.appservice_id);
      if (appservice) {
        if (!appservice.isInterestedInUser(userId))
          throw new MatrixError("M_EXCLUSIVE", `${userId} is not in the application service's user namespaces`);
        return;
      }
      const owner = exclusiveOwnerOfUser(userId);
      if (owner) throw new MatrixError("M_EXCLUSIVE", `${userId} is reserved by an application service`);
    },

    /**
     * The same rule for room aliases; the rooms engine calls it before creating an alias.
     * A user of the owning appservice's namespaces may create it with their own token too.
     */
    assertAliasAllowed(alias: string, requester: Pick<Requester, "appservice_id" | "user_id">): void {
      const appservice = requester.appservice_id === undefined ? undefined : byId.get(requester.appservice_id);
      if (appservice) {
        if (!appservice.isInterestedInAlias(alias))
          throw new MatrixError("M_EXCLUSIVE", `${alias} is not in the application service's alias namespaces`);
        return;
      }
      const owner = exclusiveOwnerOfAlias(alias);
      if (owner && !owner.isInterestedInUser(requester.user_id))
        throw new MatrixError("M_EXCLUSIVE", `${alias} is reserved by an application service`);
    },

    reload,

    /** Re-reads the registrations if another process committed since the last look; returns whether it did. */
    reloadIfChanged(): boolean {
      const version = stores.appservices.selectDataVersion();
      if (version === dataVersion) return false;
      dataVersion = version;
      reload();
      return true;
    },

    reloaded: { subscribe: reloaded.subscribe },
  };
}

export type AppserviceRegistry = ReturnType<typeof createAppserviceRegistry>;
