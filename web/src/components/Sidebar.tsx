import { useState } from 'preact/hooks';
import { logout, socket } from '../session.ts';
import { chooseStatus } from '../presence.ts';
import { channelPath } from '../router.ts';
import { channelTitle, currentChannelId, currentTeam, dmPartner, me, state, unreadOf, type Channel } from '../state.ts';
import { nextTheme, setTheme, theme } from '../theme.ts';
import { cx } from '../util.ts';
import { Icon } from './Icon.tsx';
import { Avatar, PresenceDot } from './Avatar.tsx';
import { BrowseChannels, CreateChannel, InvitePeople, NewDirect } from './SidebarDialogs.tsx';
import { mobilePane } from './Workspace.tsx';
import { switcherOpen } from './QuickSwitcher.tsx';
import { askNotificationPermission, notificationsAvailable } from '../notify.ts';

type Dialog = 'create' | 'browse' | 'dm' | 'invite' | null;

export function Sidebar() {
  const s = state.value;
  const team = currentTeam.value;
  const user = me.value;
  const [dialog, setDialog] = useState<Dialog>(null);
  const [menu, setMenu] = useState(false);
  if (!team) return <aside class="sidebar" />;

  const all = Object.values(s.channels).filter((c) => !c.delete_at && s.members[c.id]);
  const byName = (a: Channel, b: Channel) => channelTitle(a, s).localeCompare(channelTitle(b, s));
  const channels = all.filter((c) => c.team_id === team.id && (c.type === 'O' || c.type === 'P')).sort(byName);
  const directs = all.filter((c) => c.type === 'D' || c.type === 'G').sort((a, b) => (b.last_post_at ?? 0) - (a.last_post_at ?? 0));
  const isAdmin = String(user?.roles ?? '').includes('system_admin');

  const item = (c: Channel) => {
    const u = unreadOf(c, s.members[c.id]);
    const active = c.id === currentChannelId.value;
    const partner = dmPartner(c, s);
    return (
      <li key={c.id}>
        <a
          href={channelPath(team.name, c.name)}
          class={cx('ch-item', active && 'active', u.unread && 'unread')}
          aria-current={active ? 'page' : undefined}
          data-channel={c.name}
          onClick={() => (mobilePane.value = 'channel')}
        >
          <span class="ch-icon" aria-hidden="true">
            {c.type === 'O' ? <Icon name="hash" /> : c.type === 'P' ? <Icon name="lock" /> : partner ? <PresenceDot userId={partner} /> : <Icon name="group" />}
          </span>
          <span class="ch-name">{channelTitle(c, s)}</span>
          {u.mentions > 0 && (
            <span class="badge" aria-label={`${u.mentions} ${u.mentions === 1 ? 'mention' : 'mentions'}`}>
              {u.mentions}
            </span>
          )}
          {u.unread && !u.mentions && <span class="sr-only">unread</span>}
        </a>
      </li>
    );
  };

  return (
    <aside class="sidebar" aria-label="Channels">
      <div class="sidebar-head">
        <button type="button" class="team-name" onClick={() => setMenu(!menu)} aria-expanded={menu} aria-haspopup="menu">
          {team.display_name || team.name} <span aria-hidden="true">▾</span>
        </button>
        {menu && (
          <div class="menu" role="menu" onClick={() => setMenu(false)}>
            <button role="menuitem" type="button" onClick={() => setDialog('invite')}>
              Invite people
            </button>
            <a role="menuitem" href="/settings">
              Account settings
            </a>
            {isAdmin && (
              <a role="menuitem" href="/admin/users">
                System console
              </a>
            )}
            {(['online', 'away', 'dnd'] as const).map((st) => (
              <button role="menuitem" type="button" key={st} onClick={() => void chooseStatus((a, d) => socket.send(a, d), st)}>
                <PresenceDot userId="" status={st} /> {st === 'dnd' ? 'Do not disturb' : st === 'away' ? 'Away' : 'Online'}
              </button>
            ))}
            <button role="menuitem" type="button" onClick={() => setTheme(nextTheme(theme.value))}>
              Theme: {theme.value === 'system' ? 'follow the system' : theme.value} (switch)
            </button>
            {notificationsAvailable() && Notification.permission === 'default' && (
              <button role="menuitem" type="button" onClick={() => void askNotificationPermission()}>
                Enable notifications
              </button>
            )}
            <button role="menuitem" type="button" onClick={() => void logout()}>
              Log out
            </button>
          </div>
        )}
        <div class="me-line">
          {user && <Avatar user={user} size="sm" />} <span class="muted">@{user?.username}</span> {user && <PresenceDot userId={user.id} />}
        </div>
      </div>
      <button type="button" class="jump-btn" onClick={() => (switcherOpen.value = true)}>
        Find channel… <kbd>Ctrl K</kbd>
      </button>
      <nav class="ch-sections">
        <section>
          <div class="section-head">
            <h2 id="sec-channels">Channels</h2>
            <button type="button" class="icon-btn" aria-label="Browse channels" title="Browse channels" onClick={() => setDialog('browse')}>
              <Icon name="list" />
            </button>
            <button type="button" class="icon-btn" aria-label="Create channel" title="Create channel" onClick={() => setDialog('create')}>
              <Icon name="plus" />
            </button>
          </div>
          <ul aria-labelledby="sec-channels">{channels.map(item)}</ul>
        </section>
        <section>
          <div class="section-head">
            <h2 id="sec-dms">Direct messages</h2>
            <button type="button" class="icon-btn" aria-label="Start a direct message" title="Start a direct message" onClick={() => setDialog('dm')}>
              <Icon name="plus" />
            </button>
          </div>
          <ul aria-labelledby="sec-dms">{directs.map(item)}</ul>
        </section>
      </nav>
      {dialog === 'create' && <CreateChannel onClose={() => setDialog(null)} />}
      {dialog === 'browse' && <BrowseChannels onClose={() => setDialog(null)} />}
      {dialog === 'dm' && <NewDirect onClose={() => setDialog(null)} />}
      {dialog === 'invite' && <InvitePeople onClose={() => setDialog(null)} />}
    </aside>
  );
}
