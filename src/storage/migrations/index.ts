/**
 * The numbered migrations, embedded in the binary as text. Append only: a released
 * migration is never edited; a new one gets the next number.
 */
import m0001 from "./0001-server-keys.sql" with { type: "text" };
import m0002 from "./0002-accounts.sql" with { type: "text" };
// 0003–0005 belong to other branches; they slot in before this one when those merge.
import m0006 from "./0006-rooms.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "server-keys", sql: m0001 },
  { version: 2, name: "accounts", sql: m0002 },
  { version: 6, name: "rooms", sql: m0006 },
];
