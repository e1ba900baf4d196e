// Files imported `with { type: "text" }` are embedded in the binary as strings.
declare module "*.sql" {
  const text: string;
  export default text;
}

// Files imported `with { type: "file" }` are embedded in the binary; the import is their path.
declare module "*.wasm" {
  const path: string;
  export default path;
}
