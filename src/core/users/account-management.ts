/**
 * The account actions guarded by user-interactive auth (the m.login.password stage):
 * changing the password, deactivating the account, deleting devices.
 * https://spec.matrix.org/v1.19/client-server-api/#legacy-account-management
 */
import type { Stores } from "../../storage/index.ts";
import type { Accounts } from "./accounts.ts";
import type { Devices } from "./devices.ts";
import type { Requester } from "../requester.ts";
import type { AuthData, Stage, UserInteractiveAuth } from "./user-interactive-auth.ts";

const PASSWORD_FLOWS: Stage[][] = [["m.login.password"]];

export function createAccountManagement(
  stores: Pick<Stores, "accounts" | "devices" | "transaction">,
  accounts: Accounts,
  devices: Devices,
  uia: UserInteractiveAuth,
) {
  const authenticate = (requester: Requester, action: string, auth: AuthData | undefined, ip: string | null) =>
    uia.authenticate({ action, flows: PASSWORD_FLOWS, userId: requester.user_id, auth, ip });

  return {
    /**
     * POST /account/password. With logout_devices (the default) every other device is
     * logged out; the requesting device keeps its token.
     */
    async changePassword(
      requester: Requester,
      body: { new_password: string; logout_devices?: boolean; auth?: AuthData },
      ip: string | null,
    ): Promise<void> {
      const session = await authenticate(requester, "change_password", body.auth, ip);
      const hash = await accounts.hashPassword(body.new_password);
      const logoutDevices = body.logout_devices ?? true;
      const deleted = stores.transaction(() => {
        stores.accounts.updatePasswordHash(requester.user_id, hash);
        uia.complete(session);
        return logoutDevices
          ? devices.deleteRows(
              requester.user_id,
              stores.devices.selectDeviceIdsExcept(requester.user_id, requester.device_id),
            )
          : [];
      });
      devices.notifyDeleted(requester.user_id, deleted);
    },

    /** POST /account/deactivate. No 3PIDs are ever bound here, so unbinding always "succeeds". */
    async deactivate(
      requester: Requester,
      body: { auth?: AuthData; erase?: boolean },
      ip: string | null,
    ): Promise<{ id_server_unbind_result: "success" }> {
      const session = await authenticate(requester, "deactivate", body.auth, ip);
      accounts.deactivate(requester.user_id, { erase: body.erase ?? false, within: () => uia.complete(session) });
      return { id_server_unbind_result: "success" };
    },

    /**
     * DELETE /devices/{deviceId} and POST /delete_devices. A session authorises one set of
     * devices. Application services need no user-interactive auth (spec v1.17, MSC4190).
     */
    async deleteDevices(
      requester: Requester,
      deviceIds: string[],
      auth: AuthData | undefined,
      ip: string | null,
    ): Promise<void> {
      if (requester.appservice_id !== undefined) return devices.delete(requester.user_id, deviceIds);
      const action = `delete_devices ${JSON.stringify([...new Set(deviceIds)].sort())}`;
      const session = await authenticate(requester, action, auth, ip);
      const deleted = stores.transaction(() => {
        uia.complete(session);
        return devices.deleteRows(requester.user_id, deviceIds);
      });
      devices.notifyDeleted(requester.user_id, deleted);
    },
  };
}

export type AccountManagement = ReturnType<typeof createAccountManagement>;
