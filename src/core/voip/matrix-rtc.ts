/**
 * MatrixRTC transport discovery (MSC4143, now MSC4519): which LiveKit SFUs, through their
 * authorization services, this server offers its users. Element Call ≥ v0.24 asks
 * /rtc/transports; older clients and Element Web's fallback read `rtc_foci` from
 * /.well-known/matrix/client, so both are served from the one list: the configured
 * transports, or else, when the livekit_* keys are set, the built-in authorization service.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4143
 */
import type { Config } from "../../config.ts";
import { LIVEKIT_JWT_PREFIX } from "./livekit/authorization.ts";

export type RtcTransport = Config["matrix_rtc"]["transports"][number];

export function createMatrixRtc(config: Pick<Config, "matrix_rtc" | "well_known">) {
  const rtc = config.matrix_rtc;
  const builtIn =
    rtc.transports.length === 0 && Boolean(rtc.livekit_url && rtc.livekit_api_key && rtc.livekit_api_secret);

  /**
   * The built-in service sits on this server, whose public URL is `well_known.client` when
   * set (the URL clients are told to use), else the URL the request came in on.
   */
  function transports(requestBaseUrl: string): RtcTransport[] {
    if (!builtIn) return [...rtc.transports];
    const base = (config.well_known.client ?? requestBaseUrl).replace(/\/+$/, "");
    return [{ type: "livekit", livekit_service_url: `${base}${LIVEKIT_JWT_PREFIX}` }];
  }

  return {
    /**
     * In order of preference. An empty list rather than Synapse's `{}` when none are
     * configured: matrix-js-sdk reads `rtc_transports` without checking for it.
     */
    listTransports(requestBaseUrl: string): { rtc_transports: RtcTransport[] } {
      return { rtc_transports: transports(requestBaseUrl) };
    },

    /** Omitted when there are none, so clients do not try an empty list. */
    clientWellKnownFields(requestBaseUrl: string): Record<string, unknown> {
      const list = transports(requestBaseUrl);
      return list.length > 0 ? { "org.matrix.msc4143.rtc_foci": list } : {};
    },

    /** Synapse advertises the flag with the endpoint; clients do not check it, but it says RTC is set up. */
    unstableFeatures(): Record<string, boolean> {
      return builtIn || rtc.transports.length > 0 ? { "org.matrix.msc4143": true } : {};
    },
  };
}

export type MatrixRtc = ReturnType<typeof createMatrixRtc>;
