import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.ts';
import { showToast } from '../state.ts';

interface Enrolment {
  secret: string;
  uri: string;
  qr_code: string;
}
interface Status {
  mode: 'off' | 'optional' | 'required';
  active: boolean;
  recovery_codes_left: number;
}

/** Recovery codes, shown once: the user confirms they kept them. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div class="mfa-codes" aria-labelledby="rc-h">
      <h3 id="rc-h">Recovery codes</h3>
      <p class="muted">Each code signs you in once if you lose your device. Keep them somewhere safe: they are not shown again.</p>
      <ol class="codes" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <button type="button" class="btn primary" onClick={onDone}>
        I have saved them
      </button>
    </div>
  );
}

/** Enrolment: a QR code (drawn by the server, no outside service), the secret for typing in, and the first code to confirm. */
export function MfaEnrol({ onDone }: { onDone: () => void }) {
  const [enrol, setEnrol] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    post<Enrolment>('/auth/mfa/generate')
      .then(setEnrol)
      .catch((e) => setError((e as Error).message));
  }, []);
  async function confirm(e: Event) {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget as HTMLFormElement).get('code') ?? '').replace(/\s/g, '');
    setError('');
    try {
      setCodes((await post<{ recovery_codes: string[] }>('/auth/mfa/confirm', { code })).recovery_codes);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  if (codes) return <RecoveryCodes codes={codes} onDone={onDone} />;
  return (
    <form class="form mfa-enrol" onSubmit={confirm}>
      <ol class="steps">
        <li>Scan this code with an authenticator app (for example Aegis, Google Authenticator, 1Password or Microsoft Authenticator).</li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      {enrol ? (
        <>
          <img class="qr" src={enrol.qr_code} width={200} height={200} alt="QR code for your authenticator app" />
          <p class="small muted">
            Cannot scan? Enter this key: <code data-testid="mfa-secret">{enrol.secret}</code>
          </p>
        </>
      ) : (
        !error && <p class="muted">Preparing…</p>
      )}
      <label>
        Code from the app
        <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required />
      </label>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <button class="btn primary" type="submit" disabled={!enrol}>
        Turn on
      </button>
    </form>
  );
}

/** Settings section: two-factor authentication on/off and recovery codes. */
export function TwoFactor() {
  const [status, setStatus] = useState<Status | null>(null);
  const [mode, setMode] = useState<'idle' | 'enrol' | 'disable' | 'regen'>('idle');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  const load = () =>
    get<Status>('/auth/mfa')
      .then(setStatus)
      .catch((e) => showToast((e as Error).message));
  useEffect(() => void load(), []);
  if (!status || status.mode === 'off') return null;
  async function withCode(e: Event) {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget as HTMLFormElement).get('code') ?? '').trim();
    setError('');
    try {
      if (mode === 'disable') {
        await post('/auth/mfa/disable', { code });
        showToast('Two-factor authentication is off', 'info');
        setMode('idle');
      } else {
        setCodes((await post<{ recovery_codes: string[] }>('/auth/mfa/recovery-codes', { code })).recovery_codes);
      }
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  const done = () => {
    setMode('idle');
    setCodes(null);
    void load();
  };
  return (
    <section class="card page-section" aria-labelledby="mfa-h">
      <h2 id="mfa-h">Two-factor authentication</h2>
      {codes ? (
        <RecoveryCodes codes={codes} onDone={done} />
      ) : mode === 'enrol' ? (
        <MfaEnrol onDone={done} />
      ) : mode === 'idle' ? (
        <>
          <p data-testid="mfa-state">
            {status.active ? `On. ${status.recovery_codes_left} recovery code${status.recovery_codes_left === 1 ? '' : 's'} left.` : 'Off. Add a code from an authenticator app to every password login.'}
          </p>
          {status.active ? (
            <div class="actions">
              <button type="button" class="btn" onClick={() => setMode('regen')}>
                New recovery codes
              </button>
              {status.mode !== 'required' && (
                <button type="button" class="btn" onClick={() => setMode('disable')}>
                  Turn off
                </button>
              )}
            </div>
          ) : (
            <button type="button" class="btn primary" onClick={() => setMode('enrol')}>
              Set up two-factor authentication
            </button>
          )}
        </>
      ) : (
        <form class="form" onSubmit={withCode}>
          <label>
            Code from your app, or a recovery code
            <input name="code" autocomplete="one-time-code" required />
          </label>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <div class="actions">
            <button class="btn primary" type="submit">
              {mode === 'disable' ? 'Turn off' : 'Make new codes'}
            </button>
            <button type="button" class="btn" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
