/** Finds and loads the configuration the way Conduit does: flag, $CONDUIT_CONFIG, ./conduit.toml, defaults. */
import { existsSync, readFileSync } from "node:fs";
import { ConfigError, loadConfig, type LoadedConfig } from "../config.ts";

export function resolveConfig(configPath: string | undefined, env: Record<string, string | undefined>): LoadedConfig & { source: string } {
  const path = configPath ?? env.CONDUIT_CONFIG ?? (existsSync("conduit.toml") ? "conduit.toml" : undefined);
  if (path === undefined) return { ...loadConfig("", env, "built-in defaults"), source: "built-in defaults" };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  return { ...loadConfig(text, env, path), source: path };
}
