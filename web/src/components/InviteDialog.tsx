/**
 * "Invite people" (team menu): invitations by email (one or several addresses, each answered:
 * sent, already a member, or why not) and the team's invite link (copy; team admins may replace
 * it, which stops the old one). Loaded on demand.
 */
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { inviteByEmail, regenerateInviteId, type InviteResult } from '../data.ts';
import { me, mergeTeams, state, type Team } from '../state.ts';
import { Modal, confirmDialog } from './Modal.tsx';

/** Addresses per request (the server's limit). */
export const MAX_INVITES = 20;
// The server's own check (actions/accounts.ts checkEmail), so nothing it refuses for its form is sent.
const EMAIL_RE = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/;

/** Splits what was typed or pasted (commas, semicolons, spaces, new lines; "Name <a@b.c>"). */
export function parseAddresses(text: string): { valid: string[]; invalid: string[] } {
  const valid: string[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  const parts = text.match(/<[^>]*>|[^\s,;]+/g) ?? [];
  for (const raw of parts) {
    const bracketed = /^<(.*)>$/.exec(raw);
    // A bare word next to a bracketed address is the person's name: "Ada <ada@x.org>".
    if (!bracketed && !raw.includes('@') && text.includes('<')) continue;
    const a = (bracketed ? bracketed[1]! : raw).trim();
    if (!a) continue;
    const key = a.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    (EMAIL_RE.test(a) && a.length <= 254 ? valid : invalid).push(a);
  }
  return { valid, invalid };
}

const RESULT_TEXT = (r: InviteResult) => ('error' in r ? r.error.message : r.status === 'sent' ? 'Invitation sent' : 'Already a member of the team');

export function InvitePeople({ team, onClose }: { team: Team; onClose: () => void }) {
  const user = me.value;
  const sysAdmin = String(user?.roles ?? '').split(' ').includes('system_admin');
  const teamAdmin = sysAdmin || team.member?.role === 'team_admin';
  // Members may invite to open teams; to invite-only teams only admins.
  const canEmail = teamAdmin || (team.type === 'O' && team.allow_open_invite);
  const title = team.display_name || team.name;

  // The current invite id (another admin may have replaced it since the teams were loaded).
  useEffect(() => {
    if (!teamAdmin) return;
    const before = state.value.teams[team.id];
    get<Team>(`/teams/${team.id}`)
      .then((t) => {
        // A team changed meanwhile (the link regenerated here, a team_updated event) is newer.
        const now = state.value.teams[team.id];
        if (now === before) mergeTeams([{ ...now, ...t }]);
      })
      .catch(() => {});
  }, [team.id]);

  return (
    <Modal title={`Invite people to ${title}`} onClose={onClose} wide>
      {canEmail ? <ByEmail team={team} /> : <p class="muted">Only team admins can invite people to this team by email.</p>}
      <InviteLink team={state.value.teams[team.id] ?? team} canRegenerate={teamAdmin} />
      <div class="modal-actions">
        <button type="button" class="btn" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}

function ByEmail({ team }: { team: Team }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<InviteResult[] | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setError('');
    const { valid, invalid } = parseAddresses(text);
    if (invalid.length) return setError(`Not an email address: ${invalid.join(', ')}`);
    if (!valid.length) return setError('Enter at least one email address.');
    if (valid.length > MAX_INVITES) return setError(`At most ${MAX_INVITES} addresses at a time (${valid.length} entered).`);
    setBusy(true);
    try {
      const r = await inviteByEmail(team.id, valid);
      setResults(r);
      // Keep what was refused in the box, to correct and send again.
      setText(r.filter((x) => 'error' in x).map((x) => x.email).join(', '));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  const refused = results?.filter((r) => 'error' in r).length ?? 0;
  return (
    <form class="form" onSubmit={submit} aria-labelledby="invite-email-h">
      <h3 id="invite-email-h">Invite by email</h3>
      <label>
        Email addresses <span class="muted small">(separated by commas, spaces or new lines; up to {MAX_INVITES})</span>
        <textarea name="emails" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="ada@example.com, grace@example.com" autoFocus />
      </label>
      <p class="muted small">Each person gets a link that works once, for 48 hours, even when sign-up is closed.</p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {results && (
        <div role="status">
          <p class="small">
            {results.length - refused} of {results.length} {results.length === 1 ? 'address' : 'addresses'} done{refused ? `; ${refused} refused` : ''}.
          </p>
          <ul class="invite-results" aria-label="Invitation results">
            {results.map((r) => (
              <li key={r.email} class={'error' in r ? 'refused' : r.status} data-email={r.email}>
                <strong>{r.email}</strong> <span>{RESULT_TEXT(r)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="modal-actions">
        <button type="submit" class="btn primary" disabled={busy || !text.trim()}>
          {busy ? 'Sending…' : 'Send invitations'}
        </button>
      </div>
    </form>
  );
}

function InviteLink({ team, canRegenerate }: { team: Team; canRegenerate: boolean }) {
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState('');
  const link = team.invite_id ? `${location.origin}/invite/${team.id}/${team.invite_id}` : '';
  async function regenerate() {
    setError('');
    const ok = await confirmDialog('Replace the invite link?', 'The current link stops working at once; people who have it can no longer join with it.', 'Replace link');
    if (!ok) return;
    try {
      await regenerateInviteId(team.id);
      setCopied(false);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <section aria-labelledby="invite-link-h" class="invite-link-section">
      <h3 id="invite-link-h">Invite link</h3>
      {link ? (
        <>
          <p class="small">Anyone with this link can join the team (with an account, or by signing up when sign-up is open).</p>
          <input readOnly value={link} aria-label="Invite link" class="invite-link" onFocus={(e) => e.currentTarget.select()} />
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <div class="modal-actions">
            {canRegenerate && (
              <button type="button" class="btn" onClick={() => void regenerate()}>
                Replace link
              </button>
            )}
            <button
              type="button"
              class="btn primary"
              onClick={() =>
                navigator.clipboard?.writeText(link).then(
                  () => setCopied(true),
                  () => setError('Copying was refused by the browser; select the link and copy it.'),
                )
              }
            >
              {copied ? 'Copied' : 'Copy link'}
            </button>
          </div>
        </>
      ) : (
        <p class="muted small">Only team admins can see the team's invite link.</p>
      )}
    </section>
  );
}
