/**
 * `bunduit media …`: operator commands on the media repository. They open the database
 * and media directory of the configuration directly, so they work whether or not the
 * server runs (SQLite's WAL lets both write).
 */
import type { Config } from "../config.ts";
import { systemClock } from "../core/clock.ts";
import { createMediaFiles, mediaDirectory } from "../core/media/media-files.ts";
import { createMediaRetention } from "../core/media/retention.ts";
import { MatrixError } from "../errors.ts";
import { openDatabase } from "../storage/database.ts";
import { openStores } from "../storage/index.ts";
import { MEDIA_USAGE, type ParsedArgs } from "./args.ts";

export interface CommandResult {
  /** 0 done, 1 failed, 2 misused. */
  code: number;
  /** For stdout when code is 0, else for stderr. */
  message: string;
}

export function runMediaCommand(args: ParsedArgs, config: Readonly<Config>): CommandResult {
  const [, action, target] = args.command;
  const before = args.options.before;
  if (action === "purge" && typeof before !== "string") return usage("media purge needs --before DATE");
  if (action === "delete" && !target) return usage("media delete needs an mxc:// URI");
  if (action !== "purge" && action !== "delete") return usage(`unknown media command "${action ?? ""}"`);

  let cutoff = 0;
  if (action === "purge") {
    cutoff = Date.parse(before as string);
    if (Number.isNaN(cutoff))
      return usage(`--before ${before}: not a date (use e.g. 2025-01-01 or 2025-01-01T12:00:00Z)`);
  }
  const db = openDatabase(config.database_path);
  try {
    const retention = createMediaRetention({
      serverName: config.server_name,
      stores: openStores(db),
      files: createMediaFiles(mediaDirectory(config)),
      clock: systemClock,
    });
    const result = action === "purge" ? retention.purgeBefore(cutoff) : retention.deleteMedia(target!);
    return { code: 0, message: `deleted ${result.media} media id(s) and ${result.files} file(s) no longer used\n` };
  } catch (error) {
    if (!(error instanceof MatrixError)) throw error;
    return { code: 1, message: `bunduit: ${error.message}\n` };
  } finally {
    db.close();
  }
}

function usage(problem: string): CommandResult {
  return { code: 2, message: `bunduit: ${problem}\n\nUsage:\n${MEDIA_USAGE}` };
}
