/**
 * The numbered migrations, embedded in the binary as text. Append only: a released
 * migration is never edited; a new one gets the next number.
 */
import m0001 from "./0001-server-keys.sql" with { type: "text" };
import m0002 from "./0002-accounts.sql" with { type: "text" };
import m0005 from "./0005-openid.sql" with { type: "text" };
// 0003, 0004 and 0006–0009 belong to other branches; they slot in before this one when those merge.
import m0010 from "./0010-push-rules.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "server-keys", sql: m0001 },
  { version: 2, name: "accounts", sql: m0002 },
  { version: 5, name: "openid", sql: m0005 },
  { version: 10, name: "push-rules", sql: m0010 },
];
