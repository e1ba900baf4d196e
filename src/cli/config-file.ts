/** Finds and loads the configuration the way Conduit does: flag, $CONDUIT_CONFIG, ./conduit.toml, defaults. */
import { existsSync, readFileSync } from "node:fs";
import { ConfigError, loadConfig, type LoadedConfig } from "../config.ts";

export function resolveConfig(
  configPath: string | undefined,
  env: Record<string, string | undefined>,
): LoadedConfig & { source: string } {
  const path = configPath ?? env.CONDUIT_CONFIG ?? (existsSync("conduit.toml") ? "conduit.toml" : undefined);
  if (path === undefined) return { ...loadConfig("", env, "built-in defaults"), source: "built-in defaults" };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    ]);
  }
  // Only "no file at all" means the built-in defaults: an empty file is most likely a mount or copy gone wrong.
  if (text.trim() === "")
    throw new ConfigError([
      `${path} is empty: put the settings under a "[global]" line (see conduit.toml in the repository), or give no file to run on the built-in defaults`,
    ]);
  return { ...loadConfig(text, env, path), source: path };
}
