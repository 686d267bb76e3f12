import { lazy, Suspense } from 'preact/compat';
import { useEffect } from 'preact/hooks';
import { afterAuth, authPath, route, navigate, linkClick } from '../router.ts';
import { bootState, pageWhere, siteInfo, toast, unreadTotals } from '../state.ts';
import { AuthScreen } from './AuthScreen.tsx';
import { CreateTeam } from './CreateTeam.tsx';
import { Workspace } from './Workspace.tsx';
import { ConfirmHost } from './Modal.tsx';
import { ProfilePopoverHost } from './ProfilePopover.tsx';
import { MfaRequired } from './MfaRequired.tsx';
import { PasswordReset } from './PasswordReset.tsx';

// Screens most people rarely open load on demand.
const Admin = lazy(() => import('./admin/Admin.tsx').then((m) => m.Admin));
const Settings = lazy(() => import('./Settings.tsx').then((m) => m.Settings));
const Integrations = lazy(() => import('./integrations/Integrations.tsx').then((m) => m.Integrations));

/**
 * The first Tab stop of a channel page (WCAG 2.4.1, bypass blocks): shown when focused, it moves
 * the focus straight to the composer.
 */
function SkipToComposer() {
  return (
    <button
      type="button"
      class="skip-link"
      onClick={() => document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Write a message"]')?.focus()}
    >
      Skip to the message composer
    </button>
  );
}

const isResetRoute = (name: string) => name === 'reset_password' || name === 'reset_password_complete';

export function App() {
  const r = route.value;
  const b = bootState.value;
  const totals = unreadTotals.value;
  const site = siteInfo.value.site_name || 'RustChat';

  // "(2) Off-Topic - Ops | RustChat": unread marker, the open channel and team (set by the channel
  // view while it shows), the site.
  const where = pageWhere.value;
  useEffect(() => {
    document.title = `${totals.mentions ? `(${totals.mentions}) ` : totals.channels ? '* ' : ''}${where ? `${where} | ` : ''}${site}`;
  }, [totals.mentions, totals.channels, site, where]);

  useEffect(() => {
    if (b === 'anon' && r.name !== 'login' && r.name !== 'signup' && !isResetRoute(r.name)) {
      // Keep where the visitor was going across the auth screens: an invite (most invitees have
      // no account yet: sign-up first) or any deep link (log in first).
      const here = location.pathname + location.search;
      navigate(r.name === 'invite' || r.name === 'invite_token' ? authPath('signup', here) : authPath('login', r.name === 'home' ? undefined : here), true);
    }
    if ((b === 'ready' || b === 'mfa_setup') && (r.name === 'login' || r.name === 'signup')) {
      const to = afterAuth.value ?? r.next ?? '/';
      afterAuth.value = undefined;
      navigate(to, true);
    }
  }, [b, r]);

  let body;
  if (b === 'loading') body = <div class="boot" role="status">Loading…</div>;
  // Reset pages work signed in or out (a reset link may be opened in a browser with a session).
  else if (r.name === 'reset_password' || r.name === 'reset_password_complete') body = <PasswordReset token={r.name === 'reset_password_complete' ? r.token : undefined} />;
  else if (b === 'anon') body = <AuthScreen mode={r.name === 'signup' ? 'signup' : 'login'} />;
  else if (b === 'mfa_setup') body = <MfaRequired />;
  else if (r.name === 'create_team') body = <CreateTeam />;
  else if (r.name === 'settings' || r.name === 'admin')
    body = <Suspense fallback={<div class="boot">Loading…</div>}>{r.name === 'settings' ? <Settings /> : <Admin tab={r.tab} />}</Suspense>;
  else if (r.name === 'integrations')
    body = (
      <Suspense fallback={<div class="boot">Loading…</div>}>
        <Integrations teamName={r.team} tab={r.tab} />
      </Suspense>
    );
  else if (r.name === 'login' || r.name === 'signup') body = <div class="boot">Loading…</div>;
  else body = <Workspace />;

  const t = toast.value;
  return (
    <div class="root" onClick={linkClick}>
      {b === 'ready' && (r.name === 'channel' || r.name === 'permalink') && <SkipToComposer />}
      {body}
      <ConfirmHost />
      {b === 'ready' && <ProfilePopoverHost />}
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
