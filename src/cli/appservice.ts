/**
 * `bunduit appservice …`: application service registrations, on the database directly. It
 * works with the server stopped or running; a running server notices the change within
 * `[global.appservices] poll_interval_ms` (it watches SQLite's data_version).
 */
import type { Config } from "../config.ts";
import { RegistrationError } from "../core/appservices/registration-file.ts";
import { openDatabase } from "../storage/database.ts";
import { openStores } from "../storage/index.ts";
import { USAGE, type ParsedArgs } from "./args.ts";
import { createOfflineServices } from "./offline-services.ts";
import type { CliOutput } from "./user.ts";

/** Runs one `appservice` subcommand; returns the process exit code. */
export async function runAppserviceCommand(
  args: ParsedArgs,
  config: Readonly<Config>,
  output: CliOutput,
): Promise<number> {
  const [, action, argument] = args.command;
  if (!["register", "unregister", "list"].includes(action ?? "") || (action !== "list" && argument === undefined)) {
    output.err(USAGE);
    return 2;
  }
  const db = openDatabase(config.database_path);
  try {
    const { appservices } = createOfflineServices(config, openStores(db)).services;
    switch (action) {
      case "register": {
        const registration = appservices.registrations.registerFile(argument!, {
          replace: args.options.replace === true,
        });
        output.out(
          `registered appservice ${registration.id} (sender @${registration.sender_localpart}:${config.server_name}, url ${registration.url ?? "none"})`,
        );
        return 0;
      }
      case "unregister": {
        if (!appservices.registrations.unregister(argument!)) {
          output.err(`bunduit: no appservice with id ${argument}`);
          return 1;
        }
        output.out(`unregistered appservice ${argument}; its queued transactions were dropped, its users remain`);
        return 0;
      }
      default: {
        const registrations = appservices.registrations.list();
        for (const registration of registrations) {
          const backlog = appservices.queue.backlog(registration.id);
          const pending =
            backlog.pending_txn_id === undefined
              ? ""
              : ` pending_txn=${backlog.pending_txn_id} attempts=${backlog.attempts}`;
          const error = backlog.last_error ? ` last_error=${JSON.stringify(backlog.last_error)}` : "";
          output.out(
            `${registration.id}\t${registration.url ?? "(no url)"}\t@${registration.sender_localpart}:${config.server_name}\t` +
              `${registration.source}\tqueued=${backlog.queued_items}${pending}${error}`,
          );
        }
        output.out(`${registrations.length} appservice${registrations.length === 1 ? "" : "s"}`);
        return 0;
      }
    }
  } catch (error) {
    if (!(error instanceof RegistrationError)) throw error;
    output.err(`bunduit: ${error.message}`);
    return 1;
  } finally {
    db.close();
  }
}
