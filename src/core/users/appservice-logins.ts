/**
 * What login and registration ask of the application services, sized to them: the
 * m.login.application_service type and the namespaces' exclusive users. core/appservices
 * implements it (appservice-users.ts, registry.ts); users/ never imports that folder, so
 * the dependency points one way: appservices → users.
 * https://spec.matrix.org/v1.19/application-service-api/#server-admin-style-permissions
 */
import type { Requester } from "../requester.ts";
import type { PasswordCredentials } from "./login-identifier.ts";
import type { IssuedTokens } from "./sessions.ts";

export const APPSERVICE_LOGIN = "m.login.application_service";

export interface AppserviceRegisterBody {
  username?: string;
  device_id?: string;
  initial_device_display_name?: string;
  inhibit_login?: boolean;
  refresh_token?: boolean;
}

export interface AppserviceLoginBody extends PasswordCredentials {
  device_id?: string;
  initial_device_display_name?: string;
  refresh_token?: boolean;
}

type SignedIn = { user_id: string; home_server: string } & Partial<{ device_id: string } & IssuedTokens>;

export interface AppserviceRegistryView {
  /** The appservice holding the user exclusively, if any. */
  exclusiveOwnerOfUser(userId: string): unknown;
  /** 400 M_EXCLUSIVE inside another's exclusive user namespace. */
  assertUserAllowed(userId: string, requester?: Pick<Requester, "appservice_id">): void;
}

export interface AppserviceUserActions {
  register(token: string | undefined, body: AppserviceRegisterBody): SignedIn;
  login(token: string | undefined, body: AppserviceLoginBody): SignedIn & { device_id: string } & IssuedTokens;
}
