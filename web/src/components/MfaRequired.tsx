import { MfaEnrol } from './Mfa.tsx';
import { finishMfaSetup, logout } from '../session.ts';
import { siteInfo } from '../state.ts';

/** auth.mfa = required and this account has not enrolled: nothing else is reachable until it does. */
export function MfaRequired() {
  return (
    <div class="auth">
      <div class="card auth-card">
        <div class="brand">{siteInfo.value.site_name || 'RustChat'}</div>
        <h1>Set up two-factor authentication</h1>
        <p class="muted">This server requires a code from an authenticator app at every login.</p>
        <MfaEnrol onDone={() => void finishMfaSetup()} />
        <button type="button" class="btn link" onClick={() => void logout()}>
          Log out
        </button>
      </div>
    </div>
  );
}
