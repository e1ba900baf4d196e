/**
 * Third-party identifiers (email, phone). This server keeps none and cannot validate any:
 * capabilities say `m.3pid_changes: {enabled: false}`, the list is always empty, and each
 * changing endpoint answers with the error the spec gives it for a refused identifier.
 * https://spec.matrix.org/v1.19/client-server-api/#adding-account-administrative-contact-information
 */
import { MatrixError } from "../../errors.ts";

const NOT_SUPPORTED = "This server does not support third-party identifiers";

export const thirdPartyIds = {
  /** GET /account/3pid */
  list(): { threepids: never[] } {
    return { threepids: [] };
  },

  /** POST /account/3pid (deprecated): its only documented failure is M_THREEPID_AUTH_FAILED, with 403. */
  refuseLegacyAdd(): never {
    throw new MatrixError("M_THREEPID_AUTH_FAILED", NOT_SUPPORTED, {}, 403);
  },

  /** POST /account/3pid/add, /bind, /delete, /unbind. */
  refuseChange(): never {
    throw new MatrixError("M_THREEPID_DENIED", NOT_SUPPORTED);
  },

  /** POST /account/3pid/{email,msisdn}/requestToken: "the homeserver does not support adding" this medium. */
  refuseAddValidation(): never {
    throw new MatrixError("M_THREEPID_MEDIUM_NOT_SUPPORTED", NOT_SUPPORTED);
  },

  /** POST /register/… and /account/password/{email,msisdn}/requestToken: 403, the identifier is not allowed. */
  refuseValidation(): never {
    throw new MatrixError("M_THREEPID_DENIED", NOT_SUPPORTED);
  },
};
