/** `--name N` numeric flags of the bench scripts, with a default and a lower bound. */
export function numberOption(
  argv: readonly string[],
  name: string,
  fallback: number,
  { positive = true } = {},
): number {
  const index = argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(argv[index + 1]);
  if (!Number.isFinite(value) || (positive ? value <= 0 : value < 0))
    throw new Error(`--${name} needs a number ${positive ? "> 0" : "≥ 0"}`);
  return value;
}
