/**
 * Third-party identifier endpoints. None are supported (capabilities: m.3pid_changes
 * disabled); each answers with the spec's error for that endpoint.
 * https://spec.matrix.org/v1.19/client-server-api/#adding-account-administrative-contact-information
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { thirdPartyIds } from "../../core/users/third-party-ids.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3 } from "../schemas/common.ts";

const tags = ["Account management"];
const detail = (method: string, path: string, description: string) => ({
  summary: `${method} /_matrix/client/v3${path}`,
  description,
  tags,
});

export const thirdPartyIdRoutes = (services: Pick<Services, "sessions">) =>
  new Elysia()
    .use(auth(services))
    .get(`${CLIENT_V3}/account/3pid`, () => thirdPartyIds.list(), {
      auth: "user",
      response: t.Object({ threepids: t.Array(t.Object({})) }),
      detail: detail("GET", "/account/3pid", "Always an empty list: this server keeps no third-party identifiers."),
    })
    .post(`${CLIENT_V3}/account/3pid`, () => thirdPartyIds.refuseLegacyAdd(), {
      auth: "user",
      detail: detail("POST", "/account/3pid", "Deprecated; refused with 403 M_THREEPID_AUTH_FAILED."),
    })
    .post(`${CLIENT_V3}/account/3pid/add`, () => thirdPartyIds.refuseChange(), {
      auth: "user",
      detail: detail("POST", "/account/3pid/add", "Refused with 403 M_THREEPID_DENIED."),
    })
    .post(`${CLIENT_V3}/account/3pid/bind`, () => thirdPartyIds.refuseChange(), {
      auth: "user",
      detail: detail("POST", "/account/3pid/bind", "Refused with 403 M_THREEPID_DENIED."),
    })
    .post(`${CLIENT_V3}/account/3pid/delete`, () => thirdPartyIds.refuseChange(), {
      auth: "user",
      detail: detail(
        "POST",
        "/account/3pid/delete",
        "Refused with 403 M_THREEPID_DENIED (there is nothing to delete).",
      ),
    })
    .post(`${CLIENT_V3}/account/3pid/unbind`, () => thirdPartyIds.refuseChange(), {
      auth: "user",
      detail: detail(
        "POST",
        "/account/3pid/unbind",
        "Refused with 403 M_THREEPID_DENIED (there is nothing to unbind).",
      ),
    })
    .post(`${CLIENT_V3}/account/3pid/email/requestToken`, () => thirdPartyIds.refuseAddValidation(), {
      detail: detail("POST", "/account/3pid/email/requestToken", "Refused with 400 M_THREEPID_MEDIUM_NOT_SUPPORTED."),
    })
    .post(`${CLIENT_V3}/account/3pid/msisdn/requestToken`, () => thirdPartyIds.refuseAddValidation(), {
      detail: detail("POST", "/account/3pid/msisdn/requestToken", "Refused with 400 M_THREEPID_MEDIUM_NOT_SUPPORTED."),
    })
    .post(`${CLIENT_V3}/register/email/requestToken`, () => thirdPartyIds.refuseValidation(), {
      detail: detail("POST", "/register/email/requestToken", "Refused with 403 M_THREEPID_DENIED."),
    })
    .post(`${CLIENT_V3}/register/msisdn/requestToken`, () => thirdPartyIds.refuseValidation(), {
      detail: detail("POST", "/register/msisdn/requestToken", "Refused with 403 M_THREEPID_DENIED."),
    })
    .post(`${CLIENT_V3}/account/password/email/requestToken`, () => thirdPartyIds.refuseValidation(), {
      detail: detail("POST", "/account/password/email/requestToken", "Refused with 403 M_THREEPID_DENIED."),
    })
    .post(`${CLIENT_V3}/account/password/msisdn/requestToken`, () => thirdPartyIds.refuseValidation(), {
      detail: detail("POST", "/account/password/msisdn/requestToken", "Refused with 403 M_THREEPID_DENIED."),
    });
