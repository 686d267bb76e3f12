import { me } from '../../state.ts';
import { Audit } from './Audit.tsx';
import { AuthSettings } from './AuthSettings.tsx';
import { Channels } from './Channels.tsx';
import { Email } from './Email.tsx';
import { EmailSettingsCard } from './EmailSettings.tsx';
import { IntegrationSettingsCard, ServerInfoCard, SiteSettings } from './Site.tsx';
import { Teams } from './Teams.tsx';
import { Users } from './Users.tsx';

const TABS: [id: string, label: string][] = [
  ['users', 'Users'],
  ['teams', 'Teams'],
  ['channels', 'Channels'],
  ['audit', 'Audit log'],
  ['email', 'Email'],
  ['settings', 'Site settings'],
  ['authentication', 'Authentication'],
];

/**
 * The system console (system admins): users, teams, channels, the audit log, notification emails and the email outbox, site settings with
 * server information, and authentication. A lazy chunk: loaded only when opened.
 */
export function Admin({ tab }: { tab: string }) {
  const user = me.value;
  if (!String(user?.roles ?? '').includes('system_admin')) {
    return (
      <div class="page">
        <p>You need to be a system admin to open the system console.</p>
        <a href="/">Back to chat</a>
      </div>
    );
  }
  const current = TABS.some(([id]) => id === tab) ? tab : 'users';
  return (
    <div class="page console">
      <header class="page-head">
        <a href="/" class="btn link">
          ‹ Back to chat
        </a>
        <h1>System console</h1>
        <nav class="tabs" aria-label="Console sections">
          {TABS.map(([id, label]) => (
            <a key={id} href={`/admin/${id}`} aria-current={current === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      {current === 'teams' ? (
        <Teams />
      ) : current === 'channels' ? (
        <Channels />
      ) : current === 'audit' ? (
        <Audit />
      ) : current === 'email' ? (
        <>
          <EmailSettingsCard />
          <Email />
        </>
      ) : current === 'settings' ? (
        <>
          <SiteSettings />
          <IntegrationSettingsCard />
          <ServerInfoCard />
        </>
      ) : current === 'authentication' ? (
        <AuthSettings />
      ) : (
        <Users />
      )}
    </div>
  );
}
