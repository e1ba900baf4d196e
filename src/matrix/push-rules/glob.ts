/**
 * Glob-style matching as push rules use it: `*` matches zero or more characters, `?` exactly
 * one, everything else itself, case-insensitively (per code point, by `toLowerCase`).
 * https://spec.matrix.org/v1.19/appendices/#glob-style-matching
 *
 * Patterns are user-supplied and run against every event a user receives, so they are not
 * turned into backtracking regexes (`a*a*a*a*b` would be polynomial in the body length on
 * the one event loop). A pattern compiles once to a token list, which runs as an NFA over
 * the value: time is bounded by value length × pattern length. The memo is bounded too.
 */

/** `whole`: the pattern must match the entire value. `words`: any substring that starts and ends at a word boundary. */
export type GlobMode = "whole" | "words";

const ANY = 0;
const STAR = 1;
type Token = string | typeof ANY | typeof STAR;

const MAX_COMPILED = 4096;
// module-state: a cache of compiled patterns (the same few rules run on every event), bounded
// by MAX_COMPILED; a pure function of its key, so sharing it between servers is harmless.
const compiled = new Map<string, readonly Token[]>();

function compile(pattern: string, literal: boolean): readonly Token[] {
  const key = `${literal ? "L" : "G"}${pattern}`;
  let tokens = compiled.get(key);
  if (tokens !== undefined) return tokens;
  const list: Token[] = [];
  for (const char of pattern) {
    if (literal) list.push(char.toLowerCase());
    else if (char === "*") {
      if (list[list.length - 1] !== STAR) list.push(STAR);
    } else list.push(char === "?" ? ANY : char.toLowerCase());
  }
  tokens = list;
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, tokens);
  return tokens;
}

// A word boundary is the start or end of the value or any character outside [A-Za-z0-9_]: a
// matched substring may start or end at a position unless word characters lie on both sides.
// https://spec.matrix.org/v1.19/client-server-api/#conditions-1 (event_match on content.body)
const WORD = /^[A-Za-z0-9_]$/;

/**
 * Runs the pattern as an NFA whose states are token indices (state `tokens.length` accepts).
 * The active states are kept as a list, so a literal pattern costs little per character.
 */
function run(tokens: readonly Token[], value: string, mode: GlobMode): boolean {
  const chars = Array.from(value);
  const accept = tokens.length;
  // mark[state] === generation: the state is already in the list being built.
  const mark = new Int32Array(accept + 1).fill(-1);
  let generation = 0;
  const add = (list: number[], state: number) => {
    for (let s = state; mark[s] !== generation; s++) {
      mark[s] = generation;
      list.push(s);
      if (tokens[s] !== STAR) return; // a `*` may match nothing: its successor is active too
    }
  };
  const boundaryAt = (i: number) =>
    mode === "whole" || !(i > 0 && i < chars.length && WORD.test(chars[i - 1] ?? "") && WORD.test(chars[i] ?? ""));
  const acceptsAt = (i: number) =>
    mark[accept] === generation && (mode === "words" ? boundaryAt(i) : i === chars.length);

  let active: number[] = [];
  add(active, 0);
  if (acceptsAt(0)) return true;
  for (let i = 0; i < chars.length; i++) {
    const char = (chars[i] ?? "").toLowerCase();
    generation++;
    const next: number[] = [];
    for (const state of active) {
      const token = tokens[state];
      if (token === STAR) add(next, state);
      else if (token === ANY || token === char) add(next, state + 1);
    }
    if (mode === "words" && boundaryAt(i + 1)) add(next, 0);
    if (next.length === 0 && mode === "whole") return false;
    if (mode === "words" && acceptsAt(i + 1)) return true;
    active = next;
  }
  return mode === "whole" && mark[accept] === generation;
}

export function globMatches(pattern: string, value: string, mode: GlobMode): boolean {
  return run(compile(pattern, false), value, mode);
}

/** `text` taken literally (no wildcards), e.g. a display name looked for in a body. */
export function literalMatches(text: string, value: string, mode: GlobMode): boolean {
  return run(compile(text, true), value, mode);
}
