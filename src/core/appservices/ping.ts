/**
 * POST /_matrix/client/v1/appservice/{appserviceId}/ping (MSC2659, spec v1.7): the
 * appservice asks the homeserver to call its /_matrix/app/v1/ping, to check that the
 * homeserver reaches it and holds the right hs_token.
 * https://spec.matrix.org/v1.19/application-service-api/#post_matrixclientv1appserviceappserviceidping
 */
import { forbidden, MatrixError } from "../../errors.ts";
import type { Requester } from "../requester.ts";
import { AppserviceRequestError, type AppserviceApi } from "./appservice-api.ts";
import type { AppserviceRegistry } from "./registry.ts";

export async function pingAppservice(
  registry: Pick<AppserviceRegistry, "get">,
  api: Pick<AppserviceApi, "ping">,
  requester: Requester,
  appserviceId: string,
  transactionId: string | undefined,
): Promise<{ duration_ms: number }> {
  const appservice = registry.get(appserviceId);
  if (!appservice || requester.appservice_id !== appserviceId)
    throw forbidden("Provided access token is not the appservice's as_token");
  if (appservice.registration.url === null)
    throw new MatrixError("M_URL_NOT_SET", "Application service doesn't have a URL configured");
  try {
    return { duration_ms: await api.ping(appservice, transactionId) };
  } catch (error) {
    if (!(error instanceof AppserviceRequestError)) throw error;
    if (error.reason === "timeout")
      throw new MatrixError("M_CONNECTION_TIMEOUT", "Connection to application service timed out");
    if (error.reason === "connection")
      throw new MatrixError("M_CONNECTION_FAILED", `Connection to application service failed: ${error.message}`);
    throw new MatrixError("M_BAD_STATUS", `Ping returned status ${error.status}`, {
      status: error.status,
      body: error.body ?? "",
    });
  }
}
