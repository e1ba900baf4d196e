/**
 * Asking application services about users and aliases the server does not know, before it
 * answers "not found": the appservice may create the entity while the request waits.
 * https://spec.matrix.org/v1.19/application-service-api/#querying
 */
import type { AppserviceApi } from "./appservice-api.ts";
import type { AppserviceRegistry } from "./registry.ts";

export function createAppserviceQueries(
  registry: Pick<AppserviceRegistry, "list">,
  api: Pick<AppserviceApi, "queryUser" | "queryAlias">,
) {
  return {
    /**
     * Asks each appservice whose user namespaces cover `userId` (its sender excepted: the
     * sender always exists), one after the other; true as soon as one answers 200. The
     * caller reads its store again: the appservice registered the user meanwhile.
     */
    async queryUserExists(userId: string): Promise<boolean> {
      for (const appservice of registry.list()) {
        if (
          appservice.registration.url === null ||
          userId === appservice.senderUserId ||
          !appservice.isInterestedInUser(userId)
        )
          continue;
        if (await api.queryUser(appservice, userId)) return true;
      }
      return false;
    },

    /** The same for a room alias in an alias namespace; the rooms engine calls it before answering 404. */
    async queryAliasExists(alias: string): Promise<boolean> {
      for (const appservice of registry.list()) {
        if (appservice.registration.url === null || !appservice.isInterestedInAlias(alias)) continue;
        if (await api.queryAlias(appservice, alias)) return true;
      }
      return false;
    },
  };
}

export type AppserviceQueries = ReturnType<typeof createAppserviceQueries>;
