/**
 * The only onError: everything that goes wrong becomes a Matrix error body with the
 * spec's status. Elysia's own errors (unknown route, parse, validation) are mapped here;
 * anything unexpected is logged with a request id and answered 500 M_UNKNOWN without
 * internals.
 */
import { Elysia, ValidationError } from "elysia";
import { ValueErrorType } from "@sinclair/typebox/errors";
import { MatrixError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";

/**
 * A path as it may be logged: a delay_id (MSC4140) is a capability to send or cancel
 * someone's delayed event, and MSC4140 asks that it stay out of server logs.
 */
export function loggablePath(path: string): string {
  return path.replace(/(\/delayed_events\/)[^/?]+/, "$1…");
}

export function matrixErrorResponse(error: MatrixError, headers: Record<string, string> = {}): Response {
  const extraHeaders: Record<string, string> = {};
  if (error.errcode === "M_LIMIT_EXCEEDED" && typeof error.extra.retry_after_ms === "number") {
    extraHeaders["Retry-After"] = String(Math.ceil(error.extra.retry_after_ms / 1000));
  }
  return Response.json(error.toJSON(), { status: error.status, headers: { ...headers, ...extraHeaders } });
}

/** Turns a typebox validation failure into the spec's errcode, naming the field. */
export function validationToMatrixError(error: ValidationError): MatrixError {
  const first = error.valueError;
  const field = first
    ? fieldName(first.path, first.type === ValueErrorType.ObjectRequiredProperty ? first.schema : undefined)
    : "";
  const where =
    error.type === "body"
      ? "body"
      : error.type === "query"
        ? "query parameter"
        : error.type === "params"
          ? "path parameter"
          : error.type;
  // A missing query parameter is reported as "Expected string" on an undefined value, not as a missing property.
  const missing =
    first?.type === ValueErrorType.ObjectRequiredProperty ||
    (first !== undefined && first.path !== "" && first.value === undefined);
  if (missing) {
    return new MatrixError("M_MISSING_PARAM", `Missing ${where} field '${field}'`);
  }
  if (error.type === "body" && first?.path === "" && typeof error.value !== "object") {
    return new MatrixError("M_NOT_JSON", "Request body must be a JSON object");
  }
  const message = `Invalid ${where}${field ? ` '${field}'` : ""}: ${first?.message ?? "does not match the schema"}`;
  return new MatrixError(error.type === "body" ? "M_BAD_JSON" : "M_INVALID_PARAM", message);
}

function fieldName(path: string, _schema: unknown): string {
  return path.replace(/^\//, "").replace(/\//g, ".");
}

export const matrixErrors = (logger: Logger, allowedMethods: (path: string) => string[]) =>
  new Elysia({ name: "matrix-errors" }).onError({ as: "global" }, ({ code, error, request, path }) => {
    if (error instanceof MatrixError) return matrixErrorResponse(error);
    switch (code) {
      case "NOT_FOUND": {
        const methods = allowedMethods(path);
        if (methods.length > 0 && !methods.includes(request.method)) {
          return matrixErrorResponse(
            new MatrixError("M_UNRECOGNIZED", `${request.method} is not allowed on this path`, {}, 405),
            {
              Allow: methods.join(", "),
            },
          );
        }
        return matrixErrorResponse(new MatrixError("M_UNRECOGNIZED", "Unrecognized request"));
      }
      case "PARSE": {
        // Elysia wraps what a parser throws; a body refused as too large stays M_TOO_LARGE.
        const cause = (error as Error).cause;
        return matrixErrorResponse(
          cause instanceof MatrixError ? cause : new MatrixError("M_NOT_JSON", "Request body is not valid JSON"),
        );
      }
      case "VALIDATION":
        if ((error as ValidationError).type !== "response")
          return matrixErrorResponse(validationToMatrixError(error as ValidationError));
        break;
      case "INVALID_COOKIE_SIGNATURE":
      case "INVALID_FILE_TYPE":
        return matrixErrorResponse(new MatrixError("M_BAD_JSON", String((error as Error).message)));
    }
    const requestId = crypto.randomUUID().slice(0, 8);
    logger.error("unhandled error", {
      request_id: requestId,
      method: request.method,
      path: loggablePath(path),
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      // A response that failed its schema: its message is the short one (validation-messages.ts).
      ...(error instanceof ValidationError && error.valueError
        ? { field: error.valueError.path, problem: error.valueError.message }
        : {}),
    });
    return matrixErrorResponse(
      new MatrixError("M_UNKNOWN", `Internal server error (request id ${requestId})`, {}, 500),
      {
        "X-Request-Id": requestId,
      },
    );
  });
