/**
 * `bunduit user …`: account administration on the database directly. It works with the
 * server stopped or running (SQLite WAL lets both write; busy_timeout waits out the other).
 */
import { randomBytes } from "node:crypto";
import type { Config } from "../config.ts";
import { MatrixError } from "../errors.ts";
import { openDatabase } from "../storage/database.ts";
import { openStores } from "../storage/index.ts";
import { USAGE, type ParsedArgs } from "./args.ts";
import { createOfflineServices } from "./offline-services.ts";

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** 18 random bytes as base64url: 24 characters, ~144 bits. */
const generatePassword = () => randomBytes(18).toString("base64url");

/** Runs one `user` subcommand; returns the process exit code. */
export async function runUserCommand(args: ParsedArgs, config: Readonly<Config>, output: CliOutput): Promise<number> {
  const [, action, name] = args.command;
  const db = openDatabase(config.database_path);
  const { stores, services } = createOfflineServices(config, openStores(db));
  try {
    const { accounts } = services;
    const password = typeof args.options.password === "string" ? args.options.password : undefined;
    const existingUser = (): string => {
      const userId = name === undefined ? undefined : accounts.localUserId(name);
      if (userId === undefined || !accounts.exists(userId))
        throw new MatrixError("M_NOT_FOUND", `no user ${name ?? "given"} on ${config.server_name}`);
      return userId;
    };
    switch (action) {
      case "create": {
        if (name === undefined) return usage(output);
        // A bare name is checked by createUser, which explains the localpart grammar.
        const localpart = name.startsWith("@")
          ? accounts.localUserId(name)?.slice(1).split(":")[0]
          : name.toLowerCase();
        if (localpart === undefined)
          throw new MatrixError("M_INVALID_USERNAME", `${name} is not a user id on ${config.server_name}`);
        const chosen = password ?? generatePassword();
        const userId = await accounts.createUser(localpart, chosen, { admin: args.options.admin === true });
        output.out(`created ${userId}${args.options.admin === true ? " (admin)" : ""}`);
        if (password === undefined) output.out(`password: ${chosen}`);
        return 0;
      }
      case "reset-password": {
        const userId = existingUser();
        if (accounts.isDeactivated(userId)) throw new MatrixError("M_USER_DEACTIVATED", `${userId} is deactivated`);
        const chosen = password ?? generatePassword();
        await accounts.setPassword(userId, chosen);
        services.devices.deleteAll(userId);
        output.out(`new password set for ${userId}; every device was logged out`);
        if (password === undefined) output.out(`password: ${chosen}`);
        return 0;
      }
      case "deactivate": {
        const userId = existingUser();
        if (accounts.isDeactivated(userId))
          throw new MatrixError("M_USER_DEACTIVATED", `${userId} is already deactivated`);
        accounts.deactivate(userId);
        output.out(`deactivated ${userId}`);
        return 0;
      }
      case "list": {
        const users = accounts.list();
        for (const user of users) {
          const flags = [
            user.is_admin ? "admin" : "",
            user.is_guest ? "guest" : "",
            user.deactivated ? "deactivated" : "",
          ].filter(Boolean);
          output.out(
            `${user.user_id}\t${new Date(user.created_ts).toISOString()}${flags.length ? `\t${flags.join(",")}` : ""}`,
          );
        }
        output.out(`${users.length} user${users.length === 1 ? "" : "s"}`);
        return 0;
      }
      default:
        return usage(output);
    }
  } catch (error) {
    if (!(error instanceof MatrixError)) throw error;
    output.err(`bunduit: ${error.message}`);
    return 1;
  } finally {
    // Deactivation leaves rooms through the group commit: commit before closing.
    stores.groupCommit.commitNow();
    db.close();
  }
}

function usage(output: CliOutput): number {
  output.err(USAGE);
  return 2;
}
