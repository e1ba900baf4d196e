import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const DOCS = join(import.meta.dir, "../../docs");

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

function anchorsIn(file: string): Set<string> {
  const headings = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => /^#{1,6} /.test(line));
  return new Set(headings.map((line) => anchorOf(line.replace(/^#+ /, ""))));
}

describe("docs/status.md", () => {
  const text = readFileSync(join(DOCS, "status.md"), "utf8");
  const links = [...text.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1]!).filter((href) => !/^[a-z]+:/.test(href));

  test("links every area's row to its page, and every link resolves to a file and heading", () => {
    expect(links.length).toBeGreaterThan(8);
    for (const href of links) {
      const [path, anchor] = href.split("#") as [string, string | undefined];
      const file = join(DOCS, path);
      expect(existsSync(file), href).toBe(true);
      if (anchor !== undefined) expect(anchorsIn(file).has(anchor), href).toBe(true);
    }
  });
});
