/** Unpadded base64, the encoding the spec uses for keys, signatures and hashes. */
export function encodeUnpaddedBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64").replace(/=+$/, "");
}

/** The URL-safe variant used by event ids from room version 4. */
export function encodeUnpaddedBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Accepts padded or unpadded, standard or URL-safe base64. */
export function decodeBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(text)) throw new Error("not base64");
  return new Uint8Array(Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
}
