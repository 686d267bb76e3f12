import { useEffect, useState } from 'preact/hooks';
import { get, items, type Page } from '../api.ts';
import { createTeam, joinTeam } from '../data.ts';
import { inviteTokenOf, navigate, safeNext } from '../router.ts';
import { logout } from '../session.ts';
import { state, type Team } from '../state.ts';
import { slugify } from '../util.ts';

/** First run (no team yet) and "create or join another team". */
export function CreateTeam() {
  const [name, setName] = useState('');
  // Invite-only unless the creator opens it: a new team is not visible to every account on the
  // server by accident (issue 13 item 6).
  const [openTeam, setOpenTeam] = useState(false);
  const [link, setLink] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<Team[]>([]);
  const hasTeams = Object.keys(state.value.teams).length > 0;

  useEffect(() => {
    get<Page<Team>>('/teams/public')
      .then((r) => setOpen(items<Team>(r)))
      .catch(() => {});
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const t = await createTeam(slugify(name), name.trim(), openTeam ? 'O' : 'I');
      navigate(`/${t.name}/channels/town-square`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  async function join(t: Team) {
    try {
      const team = await joinTeam(t.id);
      navigate(`/${team.name}/channels/town-square`);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  /** A pasted invite link (or its path) goes to the invite route, which joins. */
  function followInvite(e: Event) {
    e.preventDefault();
    let path: string | undefined;
    try {
      const u = new URL(link.trim(), location.origin);
      path = safeNext(u.pathname);
      // An emailed invitation: its token is in the query.
      const token = inviteTokenOf(u.pathname + u.search);
      if (token) path = `/signup_user_complete/?t=${encodeURIComponent(token)}`;
    } catch {
      path = undefined;
    }
    if (!path || !(/^\/invite\/[a-z0-9]{26}\/[a-z0-9]+$/.test(path) || path.startsWith('/signup_user_complete/'))) {
      setError('That is not an invite link of this server. It looks like ' + `${location.origin}/invite/…`);
      return;
    }
    navigate(path);
  }

  return (
    <div class="auth">
      <div class="auth-stack">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="ct-title">
        <h1 id="ct-title">{hasTeams ? 'Create a team' : 'Welcome! Create your first team'}</h1>
        <p class="muted">A team is a workspace: its channels, members and messages.</p>
        <label>
          Team name
          <input name="team_name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={64} autoFocus />
        </label>
        {name && <p class="muted small">Address: /{slugify(name)}</p>}
        <label class="check">
          <input type="checkbox" name="open_team" checked={openTeam} onChange={(e) => setOpenTeam(e.currentTarget.checked)} /> Anyone on this server can find and join it
        </label>
        <p class="muted small">{openTeam ? 'Open team: listed for everyone with an account here.' : 'Invite only: people join with the invite link you share.'}</p>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button class="btn primary" type="submit" disabled={busy || !slugify(name)}>
          Create team
        </button>
        {open.length > 0 && (
          <section aria-label="Teams you can join">
            <h2 class="small-title">Or join an open team</h2>
            <ul class="plain-list">
              {open.map((t) => (
                <li key={t.id}>
                  <button type="button" class="btn" onClick={() => join(t)}>
                    Join {t.display_name || t.name}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        {hasTeams ? (
          <button type="button" class="btn link" onClick={() => history.back()}>
            Back
          </button>
        ) : (
          <button type="button" class="btn link" onClick={() => void logout()}>
            Log out
          </button>
        )}
      </form>
      <form class="card auth-card" onSubmit={followInvite} aria-labelledby="inv-title">
        <h2 id="inv-title" class="small-title">Have an invite link?</h2>
        <label>
          Invite link
          <input name="invite_link" value={link} onInput={(e) => setLink(e.currentTarget.value)} placeholder={`${location.origin}/invite/…`} />
        </label>
        <button class="btn" type="submit" disabled={!link.trim()}>
          Join with the link
        </button>
      </form>
      </div>
    </div>
  );
}
