// A small TypeScript tokenizer for the architecture test (tests/architecture.test.ts).
// Bun.Transpiler's scanImports drops type-only imports, and the rules count those too, so the
// test reads the source itself: comments are skipped, strings, template text and regular
// expressions become single tokens (a quote inside a regex or a comment never opens a string),
// and every token carries its line and its bracket depth (0 = the module's top level).

export type TokenKind = "name" | "string" | "template" | "regex" | "number" | "punct";

export interface Token {
  kind: TokenKind;
  /** The source text; for strings and template parts, the text between the delimiters. */
  text: string;
  line: number;
  /** How many `{`, `(`, `[` enclose the token; an opening bracket carries the outer depth. */
  depth: number;
}

// After these, a `/` starts a regular expression; after a name, a number, `)` or `]` it divides.
const KEYWORDS_BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

const PUNCTUATORS = [
  "===",
  "!==",
  "**=",
  "...",
  "<<=",
  ">>=",
  ">>>",
  "&&=",
  "||=",
  "??=",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
];

const isNameStart = (c: string) => /[A-Za-z_$#\u0080-\uffff]/.test(c);
const isNamePart = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // One entry per open bracket; "${" marks a template expression, whose `}` resumes the template.
  const brackets: string[] = [];
  let i = source.startsWith("#!") ? (source.indexOf("\n") + 1 || source.length + 1) - 1 : 0; // skip a shebang line
  let line = 1;

  const push = (kind: TokenKind, text: string, startLine: number) =>
    tokens.push({ kind, text, line: startLine, depth: brackets.length });

  const regexAllowed = () => {
    const previous = tokens[tokens.length - 1];
    if (!previous) return true;
    if (previous.kind === "name") return KEYWORDS_BEFORE_EXPRESSION.has(previous.text);
    // `x! / 2`: TypeScript's non-null assertion ends an operand.
    const beforeBang = tokens[tokens.length - 2];
    if (
      previous.text === "!" &&
      beforeBang &&
      ((beforeBang.kind === "name" && !KEYWORDS_BEFORE_EXPRESSION.has(beforeBang.text)) ||
        beforeBang.text === ")" ||
        beforeBang.text === "]")
    )
      return false;
    if (previous.kind === "punct") return previous.text !== ")" && previous.text !== "]" && previous.text !== "}";
    return false;
  };

  // Reads template text from i (just after "`" or "}") to the closing "`" or to "${".
  const readTemplate = () => {
    const startLine = line;
    let text = "";
    while (i < source.length) {
      const c = source[i]!;
      if (c === "\\") {
        text += source.slice(i, i + 2);
        if (source[i + 1] === "\n") line++;
        i += 2;
      } else if (c === "`") {
        i++;
        push("template", text, startLine);
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        push("template", text, startLine);
        brackets.push("${");
        return;
      } else {
        if (c === "\n") line++;
        text += c;
        i++;
      }
    }
    throw new Error(`unterminated template literal from line ${startLine}`);
  };

  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      if (end < 0) throw new Error(`unterminated comment from line ${line}`);
      for (const ch of source.slice(i, end)) if (ch === "\n") line++;
      i = end + 2;
    } else if (c === '"' || c === "'") {
      const startLine = line;
      let text = "";
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === "\\") {
          text += source.slice(i, i + 2);
          i += 2;
        } else if (source[i] === "\n") {
          throw new Error(`unterminated string on line ${startLine}`);
        } else {
          text += source[i];
          i++;
        }
      }
      i++;
      push("string", text, startLine);
    } else if (c === "`") {
      i++;
      readTemplate();
    } else if (c === "/" && regexAllowed()) {
      const startLine = line;
      let j = i + 1;
      let inClass = false;
      while (j < source.length) {
        const r = source[j]!;
        if (r === "\n") throw new Error(`unterminated regular expression on line ${startLine}`);
        if (r === "\\") j++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        j++;
      }
      j++;
      while (j < source.length && isNamePart(source[j]!)) j++;
      push("regex", source.slice(i, j), startLine);
      i = j;
    } else if (isNameStart(c)) {
      let j = i + 1;
      while (j < source.length && isNamePart(source[j]!)) j++;
      push("name", source.slice(i, j), line);
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(next ?? ""))) {
      let j = i + 1;
      while (j < source.length && /[0-9A-Za-z_.]/.test(source[j]!)) j++;
      push("number", source.slice(i, j), line);
      i = j;
    } else if (c === "{" || c === "(" || c === "[") {
      push("punct", c, line);
      brackets.push(c);
      i++;
    } else if (c === "}" || c === ")" || c === "]") {
      const open = brackets.pop();
      if (open === undefined) throw new Error(`unbalanced "${c}" on line ${line}`);
      i++;
      if (open === "${") readTemplate();
      else push("punct", c, line);
    } else {
      const long = PUNCTUATORS.find((p) => source.startsWith(p, i));
      const text = long ?? c;
      push("punct", text, line);
      i += text.length;
    }
  }
  if (brackets.length > 0) throw new Error(`unclosed "${brackets[brackets.length - 1]}" at end of file`);
  return tokens;
}

export interface ImportReference {
  specifier: string;
  line: number;
  /**
   * "type" for `import type`/`export type` statements (erased at runtime, counted by the rules all
   * the same), "call" for `import("x")` (a dynamic import, or a type written `import("x").T`).
   */
  kind: "static" | "type" | "call";
}

/**
 * Every module specifier the file names: `import … from "x"`, `import "x"`, `export … from "x"`,
 * `import("x")`. An `import { type A }` counts as "static": the rules treat all kinds alike, the
 * kind only makes messages clearer.
 */
export function importReferences(tokens: Token[]): ImportReference[] {
  const references: ImportReference[] = [];
  let statementStart = -1; // index of the `import`/`export` keyword of the statement being read
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    const previous = tokens[k - 1];
    if (token.kind === "name" && (token.text === "import" || token.text === "export") && previous?.text !== ".") {
      statementStart = k;
    }
    if (token.kind !== "string") continue;
    if (previous?.kind === "name" && previous.text === "from" && statementStart >= 0) {
      const kind = tokens[statementStart + 1]?.text === "type" ? "type" : "static";
      references.push({ specifier: token.text, line: token.line, kind });
    } else if (previous?.kind === "name" && previous.text === "import") {
      references.push({ specifier: token.text, line: token.line, kind: "static" });
    } else if (previous?.text === "(" && tokens[k - 2]?.text === "import") {
      references.push({ specifier: token.text, line: token.line, kind: "call" });
    }
  }
  return references;
}
