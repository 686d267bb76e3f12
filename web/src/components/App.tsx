import { lazy, Suspense } from 'preact/compat';
import { useEffect } from 'preact/hooks';
import { route, navigate, linkClick } from '../router.ts';
import { bootState, siteInfo, toast, unreadTotals } from '../state.ts';
import { AuthScreen } from './AuthScreen.tsx';
import { CreateTeam } from './CreateTeam.tsx';
import { Workspace } from './Workspace.tsx';
import { ConfirmHost } from './Modal.tsx';
import { MfaRequired } from './MfaRequired.tsx';

// Screens most people rarely open load on demand.
const Admin = lazy(() => import('./admin/Admin.tsx').then((m) => m.Admin));
const Settings = lazy(() => import('./Settings.tsx').then((m) => m.Settings));

export function App() {
  const r = route.value;
  const b = bootState.value;
  const totals = unreadTotals.value;
  const site = siteInfo.value.site_name || 'RustChat';

  useEffect(() => {
    document.title = `${totals.mentions ? `(${totals.mentions}) ` : totals.channels ? '* ' : ''}${site}`;
  }, [totals.mentions, totals.channels, site]);

  useEffect(() => {
    if (b === 'anon' && r.name !== 'login' && r.name !== 'signup') {
      // Keep an invite link across sign-up.
      if (r.name === 'invite') navigate(`/signup?team=${r.teamId}&invite=${r.inviteId}`, true);
      else navigate('/login', true);
    }
    if ((b === 'ready' || b === 'mfa_setup') && (r.name === 'login' || r.name === 'signup')) {
      if (r.name === 'signup' && r.invite && r.team) navigate(`/invite/${r.team}/${r.invite}`, true);
      else navigate('/', true);
    }
  }, [b, r]);

  let body;
  if (b === 'loading') body = <div class="boot" role="status">Loading…</div>;
  else if (b === 'anon') body = <AuthScreen mode={r.name === 'signup' ? 'signup' : 'login'} />;
  else if (b === 'mfa_setup') body = <MfaRequired />;
  else if (r.name === 'create_team') body = <CreateTeam />;
  else if (r.name === 'settings' || r.name === 'admin')
    body = <Suspense fallback={<div class="boot">Loading…</div>}>{r.name === 'settings' ? <Settings /> : <Admin tab={r.tab} />}</Suspense>;
  else if (r.name === 'login' || r.name === 'signup') body = <div class="boot">Loading…</div>;
  else body = <Workspace />;

  const t = toast.value;
  return (
    <div class="root" onClick={linkClick}>
      {body}
      <ConfirmHost />
      {t && (
        <div class={`toast toast-${t.kind ?? 'error'}`} role="alert">
          {t.text}
          <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => (toast.value = null)}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
