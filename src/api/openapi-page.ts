/**
 * The readable page beside the OpenAPI document (GET /_bunduit/api): one table row per
 * operation, with the token it needs. Self-contained: no scripts, no external assets.
 */
import type { AuthLevel } from "./openapi.ts";

interface Document {
  info: { version: string };
  paths: Record<string, Record<string, unknown>>;
}

const AUTH_LABEL: Record<AuthLevel, string> = {
  user: "user token",
  guest: "token (guests too)",
  appservice: "appservice token",
  optional: "optional",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderApiPage(document: Document): string {
  const rows = Object.entries(document.paths)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => {
        const op = operation as { description?: string; "x-auth"?: AuthLevel };
        const auth = op["x-auth"] ? AUTH_LABEL[op["x-auth"]] : "none";
        return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${auth}</td><td>${escapeHtml(op.description ?? "")}</td></tr>`;
      }),
    );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bunduit API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}td{padding:.25rem .5rem;vertical-align:top;border-bottom:1px solid #ddd}code{white-space:nowrap}</style></head>
<body><h1>bunduit API</h1><p>Version ${escapeHtml(document.info.version)}. Machine-readable: <a href="openapi.json">openapi.json</a>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Auth</th><th>Description</th></tr></thead><tbody>${rows.join("")}</tbody></table></body></html>`;
}
