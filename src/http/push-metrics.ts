import type { PushStats } from '../push/sender.ts';
import { family } from './exposition.ts';

/** The process's push counters as metrics (rustchat_push_*; docs/monitoring.md). */
export function pushMetrics(s: PushStats): string {
  const by = (m: Map<string, number>, label: string): [Record<string, string>, number][] => [...m].map(([k, v]) => [{ [label]: k }, v]);
  return [
    family('rustchat_push_sent_total', 'counter', 'Push notifications the push proxy accepted, by type (message, clear).', by(s.sent, 'type')),
    family('rustchat_push_failed_total', 'counter', 'Push notifications not delivered by the push proxy, by reason (unreachable, proxy_error, device_removed, bad_device, internal).', by(s.failed, 'reason')),
    family('rustchat_push_retried_total', 'counter', 'Push notifications tried again because the push proxy could not be reached.', [[{}, s.retried]]),
    family('rustchat_push_dropped_total', 'counter', 'Push notifications dropped because the queue was full or the server was stopping.', [[{}, s.dropped]]),
  ].join('\n');
}
