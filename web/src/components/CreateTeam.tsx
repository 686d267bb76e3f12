import { useEffect, useState } from 'preact/hooks';
import { get, items } from '../api.ts';
import { createTeam, joinTeam } from '../data.ts';
import { navigate } from '../router.ts';
import { state, type Team } from '../state.ts';
import { slugify } from '../util.ts';

/** First run (no team yet) and "create or join another team". */
export function CreateTeam() {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<Team[]>([]);
  const hasTeams = Object.keys(state.value.teams).length > 0;

  useEffect(() => {
    get('/teams/public')
      .then((r) => setOpen(items<Team>(r)))
      .catch(() => {});
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const t = await createTeam(slugify(name), name.trim());
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

  return (
    <div class="auth">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="ct-title">
        <h1 id="ct-title">{hasTeams ? 'Create a team' : 'Welcome! Create your first team'}</h1>
        <p class="muted">A team is a workspace: its channels, members and messages.</p>
        <label>
          Team name
          <input name="team_name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={64} autoFocus />
        </label>
        {name && <p class="muted small">Address: /{slugify(name)}</p>}
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
        {hasTeams && (
          <button type="button" class="btn link" onClick={() => history.back()}>
            Back
          </button>
        )}
      </form>
    </div>
  );
}
