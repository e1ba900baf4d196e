/**
 * The numbered migrations, embedded in the binary as text. Append only: a released
 * migration is never edited; a new one gets the next number.
 */
import m0001 from "./0001-server-keys.sql" with { type: "text" };
import m0002 from "./0002-accounts.sql" with { type: "text" };
import m0004 from "./0004-media.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "server-keys", sql: m0001 },
  { version: 2, name: "accounts", sql: m0002 },
  { version: 4, name: "media", sql: m0004 },
];
