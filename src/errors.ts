/**
 * The one error type that speaks Matrix. Code below the API throws a MatrixError with the
 * spec's errcode; the HTTP status comes from one table, never from the call site.
 * https://spec.matrix.org/v1.19/client-server-api/#standard-error-response
 */
export const ERRCODE_STATUS = {
  M_FORBIDDEN: 403,
  M_UNKNOWN_TOKEN: 401,
  M_MISSING_TOKEN: 401,
  M_USER_LOCKED: 401,
  M_USER_SUSPENDED: 403,
  M_BAD_JSON: 400,
  M_NOT_JSON: 400,
  M_NOT_FOUND: 404,
  M_LIMIT_EXCEEDED: 429,
  M_UNRECOGNIZED: 404,
  M_UNKNOWN: 400,
  M_UNAUTHORIZED: 401,
  M_USER_DEACTIVATED: 403,
  M_USER_IN_USE: 400,
  M_INVALID_USERNAME: 400,
  M_ROOM_IN_USE: 400,
  M_BAD_ALIAS: 400,
  M_INVALID_ROOM_STATE: 400,
  M_THREEPID_IN_USE: 400,
  M_THREEPID_NOT_FOUND: 400,
  M_THREEPID_AUTH_FAILED: 400,
  M_THREEPID_DENIED: 403,
  M_THREEPID_MEDIUM_NOT_SUPPORTED: 400,
  M_SERVER_NOT_TRUSTED: 400,
  M_UNSUPPORTED_ROOM_VERSION: 400,
  M_INCOMPATIBLE_ROOM_VERSION: 400,
  M_BAD_STATE: 400,
  M_GUEST_ACCESS_FORBIDDEN: 403,
  M_CAPTCHA_NEEDED: 400,
  M_CAPTCHA_INVALID: 400,
  M_MISSING_PARAM: 400,
  M_INVALID_PARAM: 400,
  M_TOO_LARGE: 413,
  M_EXCLUSIVE: 400,
  M_RESOURCE_LIMIT_EXCEEDED: 403,
  M_CANNOT_LEAVE_SERVER_NOTICE_ROOM: 403,
  M_THREEPID_NOT_ALLOWED: 403,
  M_WEAK_PASSWORD: 400,
  M_UNKNOWN_DEVICE: 400,
  M_NOT_YET_UPLOADED: 504,
  M_CANNOT_OVERWRITE_MEDIA: 409,
  M_URL_NOT_SET: 400,
  M_BAD_STATUS: 502,
  M_CONNECTION_FAILED: 502,
  M_CONNECTION_TIMEOUT: 504,
  M_WRONG_ROOM_KEYS_VERSION: 403,
  M_INVALID_SIGNATURE: 400,
  M_UNABLE_TO_AUTHORISE_JOIN: 400,
  M_UNABLE_TO_GRANT_JOIN: 502,
  M_DUPLICATE_ANNOTATION: 400,
  M_NOT_JOINED: 403,
  M_UNKNOWN_POS: 400,
  M_PROFILE_TOO_LARGE: 400,
  M_KEY_TOO_LARGE: 400,
} as const;

export type Errcode = keyof typeof ERRCODE_STATUS | `${string}.${string}`;

export class MatrixError extends Error {
  readonly errcode: Errcode;
  /** Extra top-level fields of the error body (e.g. retry_after_ms, flows, session). */
  readonly extra: Record<string, unknown>;
  /** Only for the few cases where the spec gives one errcode several statuses. */
  readonly status: number;

  constructor(errcode: Errcode, error: string, extra: Record<string, unknown> = {}, status?: number) {
    super(error);
    this.name = "MatrixError";
    this.errcode = errcode;
    this.extra = extra;
    this.status = status ?? (ERRCODE_STATUS as Record<string, number>)[errcode] ?? 400;
  }

  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }
}

/**
 * The 401 of user-interactive auth. Its body is the auth state (flows, params, session,
 * completed); errcode and error appear only when a stage was just attempted and failed,
 * because clients read an errcode on the first 401 as a failure to show the user.
 * https://spec.matrix.org/v1.19/client-server-api/#user-interactive-api-in-the-rest-api
 */
export class UserInteractiveAuthRequired extends MatrixError {
  constructor(
    readonly state: {
      flows: { stages: string[] }[];
      params: Record<string, unknown>;
      session: string;
      completed: string[];
    },
    readonly failure?: { errcode: Errcode; error: string },
  ) {
    super(failure?.errcode ?? "M_UNAUTHORIZED", failure?.error ?? "Additional authentication is required", {}, 401);
  }

  override toJSON(): Record<string, unknown> {
    return { ...(this.failure ? { errcode: this.failure.errcode, error: this.failure.error } : {}), ...this.state };
  }
}

export const forbidden = (error: string) => new MatrixError("M_FORBIDDEN", error);
export const notFound = (error: string) => new MatrixError("M_NOT_FOUND", error);
export const badJson = (error: string) => new MatrixError("M_BAD_JSON", error);
export const invalidParam = (error: string) => new MatrixError("M_INVALID_PARAM", error);
export const missingParam = (error: string) => new MatrixError("M_MISSING_PARAM", error);
export const unrecognized = (error = "Unrecognized request") => new MatrixError("M_UNRECOGNIZED", error);
