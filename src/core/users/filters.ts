/**
 * Filters uploaded for /sync. They arrive validated against matrix/filter.ts; identical
 * uploads by one user share one id (clients upload theirs at every start).
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3useruseridfilter
 */
import { forbidden, notFound } from "../../errors.ts";
import type { Filter } from "../../matrix/filter.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";

export function createFilters(stores: Pick<Stores, "filters" | "transaction">) {
  const filters = {
    create(requester: Requester, userId: string, filter: Filter): { filter_id: string } {
      if (requester.user_id !== userId) throw forbidden("You cannot create filters for another user");
      const json = JSON.stringify(filter);
      const id = stores.transaction(
        () => stores.filters.selectFilterId(userId, json) ?? stores.filters.insertFilter(userId, json),
      );
      return { filter_id: String(id) };
    },

    get(requester: Requester, userId: string, filterId: string): Filter {
      if (requester.user_id !== userId) throw forbidden("You cannot read another user's filters");
      return filters.load(userId, filterId);
    },

    /** The filter named by `filterId`, for /sync. */
    load(userId: string, filterId: string): Filter {
      const filter = /^\d{1,15}$/.test(filterId) ? stores.filters.selectFilter(userId, Number(filterId)) : undefined;
      if (filter === undefined) throw notFound("Unknown filter");
      return JSON.parse(filter) as Filter;
    },
  };
  return filters;
}

export type Filters = ReturnType<typeof createFilters>;
