/**
 * The numbered migrations, embedded in the binary as text. Append only: a released
 * migration is never edited; a new one gets the next number (a test checks 1, 2, 3…).
 */
import m0001 from "./0001-server-keys.sql" with { type: "text" };
import m0002 from "./0002-accounts.sql" with { type: "text" };
import m0003 from "./0003-user-data.sql" with { type: "text" };
import m0004 from "./0004-media.sql" with { type: "text" };
import m0005 from "./0005-openid.sql" with { type: "text" };
import m0006 from "./0006-rooms.sql" with { type: "text" };
import m0007 from "./0007-e2ee.sql" with { type: "text" };
import m0008 from "./0008-push-rules.sql" with { type: "text" };
import m0009 from "./0009-room-directory.sql" with { type: "text" };
import m0010 from "./0010-appservices.sql" with { type: "text" };
import m0011 from "./0011-delayed-events.sql" with { type: "text" };
import m0012 from "./0012-relations.sql" with { type: "text" };
import m0013 from "./0013-receipts.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "server-keys", sql: m0001 },
  { version: 2, name: "accounts", sql: m0002 },
  { version: 3, name: "user-data", sql: m0003 },
  { version: 4, name: "media", sql: m0004 },
  { version: 5, name: "openid", sql: m0005 },
  { version: 6, name: "rooms", sql: m0006 },
  { version: 7, name: "e2ee", sql: m0007 },
  { version: 8, name: "push-rules", sql: m0008 },
  { version: 9, name: "room-directory", sql: m0009 },
  { version: 10, name: "appservices", sql: m0010 },
  { version: 11, name: "delayed-events", sql: m0011 },
  { version: 12, name: "relations", sql: m0012 },
  { version: 13, name: "receipts", sql: m0013 },
];
