import { useEffect, useState } from 'preact/hooks';
import { get, post, qs } from '../../api.ts';
import { fullDate } from '../../util.ts';

const PAGE = 50;
type Status = 'dead' | 'pending' | 'sent';
const STATUSES: [Status, string][] = [
  ['dead', 'Failed'],
  ['pending', 'Waiting'],
  ['sent', 'Sent'],
];

interface OutboxEmail {
  id: string;
  kind: string;
  to: string;
  subject: string;
  status: Status;
  attempts: number;
  next_attempt_at: number;
  last_error: string;
  create_at: number;
  sent_at: number;
}

interface Outbox {
  counts: Record<Status, number>;
  transport: 'smtp' | 'log';
  items: OutboxEmail[];
  next_cursor: string | null;
}

/**
 * System console › Email: the outbox (docs/admin.md, "Email"). Failed emails (given up after
 * `smtp.max_attempts` tries) first, each with the SMTP server's last error and a Retry button
 * (`POST /admin/email/outbox/:id/retry`); waiting and sent ones on their own filter. Totals per
 * status and whether mail goes over SMTP or to the log.
 */
export function Email() {
  const [status, setStatus] = useState<Status>('dead');
  const [box, setBox] = useState<Outbox | null>(null);
  const [list, setList] = useState<OutboxEmail[]>([]);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  async function load(more = false) {
    setError('');
    try {
      const r = await get<Outbox>(`/admin/email/outbox${qs({ status, cursor: more ? box?.next_cursor : undefined, limit: PAGE })}`);
      setBox(r);
      setList(more ? [...list, ...r.items] : r.items);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  useEffect(() => {
    setBox(null);
    setList([]);
    void load();
  }, [status]);

  async function retry(m: OutboxEmail) {
    setError('');
    setNotice('');
    try {
      await post(`/admin/email/outbox/${m.id}/retry`);
      setNotice(`Queued again: "${m.subject}" to ${m.to}`);
      await load();
    } catch (e) {
      // Refused (e.g. already retried elsewhere): show why, and the list as the server has it now.
      setError((e as Error).message);
      await load();
    }
  }

  return (
    <section class="card page-section email-outbox" aria-labelledby="email-h">
      <div class="section-bar">
        <h2 id="email-h">Email</h2>
        <button type="button" class="btn" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {box && (
        <p class="muted" data-key="transport">
          {box.transport === 'smtp' ? 'Sent over SMTP.' : 'No SMTP server is set (smtp.host): each email is written to the server log instead.'} {box.counts.dead} failed ·{' '}
          {box.counts.pending} waiting · {box.counts.sent} sent.
        </p>
      )}
      <div class="filters" role="group" aria-label="Show">
        {STATUSES.map(([s, label]) => (
          <button key={s} type="button" class={`btn${status === s ? ' primary' : ''}`} aria-pressed={status === s} data-status={s} onClick={() => setStatus(s)}>
            {label}
            {box ? ` (${box.counts[s]})` : ''}
          </button>
        ))}
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p class="muted" role="status">
          {notice}
        </p>
      )}
      {!box ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">{status === 'dead' ? 'No failed emails.' : status === 'pending' ? 'Nothing is waiting to be sent.' : 'No emails sent yet.'}</p>
      ) : (
        <div class="table-wrap">
          <table class="table outbox-table">
            <thead>
              <tr>
                <th>Queued</th>
                <th>To</th>
                <th>Subject</th>
                <th>Kind</th>
                <th>Tries</th>
                <th>{status === 'sent' ? 'Sent' : 'Last error'}</th>
                {status === 'dead' && <th>Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.id} data-email={m.id}>
                  <td class="small">{fullDate(m.create_at)}</td>
                  <td>{m.to}</td>
                  <td>{m.subject}</td>
                  <td>
                    <code>{m.kind}</code>
                  </td>
                  <td>{m.attempts}</td>
                  <td class="small details-cell" data-key="last-error">
                    {status === 'sent' ? fullDate(m.sent_at) : m.last_error}
                  </td>
                  {status === 'dead' && (
                    <td>
                      <button type="button" class="btn" onClick={() => void retry(m)}>
                        Retry
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {box?.next_cursor && (
        <button type="button" class="btn" onClick={() => void load(true)}>
          Load more
        </button>
      )}
    </section>
  );
}
