import type { Config } from '../config.ts';
import { addressPolicy, parseAllowList, type AddressPolicy } from './address-policy.ts';
import { outboundRequest, type OutboundRequest, type OutboundResponse } from './fetch.ts';

const policies = new WeakMap<Config, AddressPolicy>();

/** The address policy of a configuration (parsed once; the setting is validated at load). */
export function outboundPolicy(config: Config): AddressPolicy {
  let p = policies.get(config);
  if (!p) {
    p = addressPolicy(parseAllowList(config.integrations.allowed_internal_hosts));
    policies.set(config, p);
  }
  return p;
}

/** An outbound request with the configuration's policy, deadline and size cap. */
export function integrationRequest(config: Config, req: Omit<OutboundRequest, 'policy' | 'timeoutMs' | 'maxBytes'> & Partial<Pick<OutboundRequest, 'timeoutMs'>>): Promise<OutboundResponse> {
  return outboundRequest({
    timeoutMs: config.integrations.request_timeout_seconds * 1000,
    maxBytes: config.integrations.response_max_bytes,
    policy: outboundPolicy(config),
    ...req,
  });
}
