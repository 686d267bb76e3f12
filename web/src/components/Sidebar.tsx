import { useRef, useState } from 'preact/hooks';
import { useRoving } from '../roving.ts';
import { logout, socket } from '../session.ts';
import { chooseStatus } from '../presence.ts';
import { channelPath, integrationsPath } from '../router.ts';
import { channelTitle, currentChannelId, currentTeam, dmPartner, isMuted, me, mobilePane, showToast, state, unreadOf, type Channel } from '../state.ts';
import { nextTheme, setTheme, theme } from '../theme.ts';
import { cx } from '../util.ts';
import { Icon } from './Icon.tsx';
import { Avatar, PresenceDot } from './Avatar.tsx';
import { BrowseChannels, CategoryName, CreateChannel, NewDirect } from './SidebarDialogs.tsx';
import { lazy, Suspense } from 'preact/compat';
import { Menu } from './Menu.tsx';
import { confirmDialog } from './Modal.tsx';
import { createCategory, deleteCategory, leaveTeam, moveCategory, moveToCategory, setFavorite, updateCategory } from '../data.ts';
import { sidebarView, type SidebarCategory } from '../../../src/realtime/reducer.ts';
import { switcherOpen } from './QuickSwitcher.tsx';
import { SidebarViews } from './SidebarViews.tsx';
import { setMuted } from '../notify-prefs.ts';

const InvitePeople = lazy(() => import('./InviteDialog.tsx').then((m) => m.InvitePeople));

type Dialog = 'create' | 'browse' | 'dm' | 'invite' | { newCategory: string } | { rename: SidebarCategory } | null;

/** Section titles of the default categories; custom ones show their own name. */
const TITLES: Record<string, string> = { favorites: 'Favorites', channels: 'Channels', direct_messages: 'Direct messages' };
/** Heading ids (the default ones stable: tests and assistive technology refer to them). */
const headingId = (c: SidebarCategory) => (c.type === 'channels' ? 'sec-channels' : c.type === 'direct_messages' ? 'sec-dms' : c.type === 'favorites' ? 'sec-favorites' : `sec-${c.id}`);
const isDirect = (c: Channel) => c.type === 'D' || c.type === 'G';

export function Sidebar() {
  const s = state.value;
  const team = currentTeam.value;
  const user = me.value;
  const [dialog, setDialog] = useState<Dialog>(null);
  // The channel list is one Tab stop (the open channel): arrows move through categories and
  // channels, ArrowRight reaches a row's buttons (options, create, browse), Tab leaves.
  const navRef = useRef<HTMLElement>(null);
  useRoving(navRef, { items: '.ch-item, .cat-toggle', row: 'li, .section-head', initial: '.ch-item.active' }, team?.id);
  if (!team) return <aside class="sidebar" />;

  const all = Object.values(s.channels).filter((c) => !c.delete_at && s.members[c.id]);
  const byName = (a: Channel, b: Channel) => channelTitle(a, s).localeCompare(channelTitle(b, s));
  const channels = all.filter((c) => c.team_id === team.id && (c.type === 'O' || c.type === 'P')).sort(byName);
  const directs = all.filter((c) => c.type === 'D' || c.type === 'G').sort((a, b) => (b.last_post_at ?? 0) - (a.last_post_at ?? 0));
  const isAdmin = String(user?.roles ?? '').includes('system_admin');
  async function leave() {
    const title = team!.display_name || team!.name;
    if (!(await confirmDialog(`Leave ${title}?`, 'You leave all its channels too. To come back you need an invite link (or, for an open team, to join it again).', 'Leave team'))) return;
    // The workspace then opens another team, or the page to create or join one.
    await leaveTeam(team!.id).catch((e) => showToast(e.message));
  }

  const item = (c: Channel) => {
    const u = unreadOf(c, s.members[c.id]);
    const active = c.id === currentChannelId.value;
    const partner = dmPartner(c, s);
    return (
      <li key={c.id}>
        <a
          href={channelPath(team.name, c.name)}
          class={cx('ch-item', active && 'active', u.unread && 'unread', u.muted && 'muted-ch')}
          aria-current={active ? 'page' : undefined}
          data-channel={c.name}
          onClick={() => (mobilePane.value = 'channel')}
        >
          <span class="ch-icon" aria-hidden="true">
            {c.type === 'O' ? <Icon name="hash" /> : c.type === 'P' ? <Icon name="lock" /> : partner ? <PresenceDot userId={partner} /> : <Icon name="group" />}
          </span>
          <span class="ch-name">{channelTitle(c, s)}</span>
          {u.muted && (
            <span class="ch-muted" title="Muted">
              <Icon name="bell-off" label="muted" />
            </span>
          )}
          {u.mentions > 0 && (
            <span class="badge" aria-label={`${u.mentions} ${u.mentions === 1 ? 'mention' : 'mentions'}`}>
              {u.mentions}
            </span>
          )}
          {u.unread && !u.mentions && <span class="sr-only">unread</span>}
        </a>
        {view && channelMenu(c)}
      </li>
    );
  };

  const view = sidebarView(s, team.id);
  const fail = (e: Error) => showToast(e.message);
  /** Favorite, move to another category, or to a new one. */
  const channelMenu = (c: Channel) => {
    const cats = view ?? [];
    const here = cats.find((x) => x.channel_ids.includes(c.id));
    const fav = here?.type === 'favorites';
    const targets = cats.filter((x) => x !== here && x.type !== 'favorites' && (x.type === 'custom' || (x.type === 'direct_messages') === isDirect(c)));
    return (
      <Menu label={`Options for ${channelTitle(c, s)}`} buttonLabel={`Channel options: ${channelTitle(c, s)}`} class="icon-btn sb-ch-menu" button={<Icon name="more" />}>
        <button role="menuitem" type="button" onClick={() => void setFavorite(team.id, c.id, !fav).catch(fail)}>
          {fav ? 'Remove from favorites' : 'Add to favorites'}
        </button>
        {targets.map((x) => (
          <button role="menuitem" type="button" key={x.id} onClick={() => void moveToCategory(team.id, c.id, x.id).catch(fail)}>
            Move to {TITLES[x.type] ?? x.display_name}
          </button>
        ))}
        <button role="menuitem" type="button" onClick={() => setDialog({ newCategory: c.id })}>
          Move to a new category…
        </button>
        <button role="menuitem" type="button" onClick={() => void setMuted(c.id, !isMuted(s.members[c.id])).catch(fail)}>
          {isMuted(s.members[c.id]) ? 'Unmute channel' : 'Mute channel'}
        </button>
      </Menu>
    );
  };

  /** A category's heading: collapse toggle, its actions, and for defaults the add buttons. */
  const section = (c: SidebarCategory, i: number, all: SidebarCategory[]) => {
    const chans = c.channel_ids.map((id) => s.channels[id]).filter((ch): ch is Channel => !!ch && !!s.members[ch.id]);
    if (c.type === 'favorites' && !chans.length) return null;
    // A collapsed category still shows what is unread and the open channel (as Mattermost does).
    const shown = c.collapsed ? chans.filter((ch) => ch.id === currentChannelId.value || unreadOf(ch, s.members[ch.id]).unread) : chans;
    const title = TITLES[c.type] ?? c.display_name;
    const hid = headingId(c);
    return (
      <section key={c.id} data-category={c.type === 'custom' ? c.display_name : c.type}>
        <div class="section-head">
          <h2 id={hid}>
            <button type="button" class="cat-toggle" aria-expanded={!c.collapsed} onClick={() => void updateCategory(team.id, c.id, { collapsed: !c.collapsed }).catch(fail)}>
              <span class={cx('cat-chevron', c.collapsed && 'collapsed')} aria-hidden="true">
                <Icon name="chevron" />
              </span>
              {title}
            </button>
          </h2>
          {c.type === 'channels' && (
            <>
              <button type="button" class="icon-btn" aria-label="Browse channels" title="Browse channels" onClick={() => setDialog('browse')}>
                <Icon name="list" />
              </button>
              <button type="button" class="icon-btn" aria-label="Create channel" title="Create channel" onClick={() => setDialog('create')}>
                <Icon name="plus" />
              </button>
            </>
          )}
          {c.type === 'direct_messages' && (
            <button type="button" class="icon-btn" aria-label="Start a direct message" title="Start a direct message" onClick={() => setDialog('dm')}>
              <Icon name="plus" />
            </button>
          )}
          <Menu label={`${title} options`} buttonLabel={`Category options: ${title}`} class="icon-btn sb-cat-menu" button={<Icon name="more" />}>
            <button role="menuitem" type="button" onClick={() => setDialog({ newCategory: '' })}>
              Create new category…
            </button>
            {c.type === 'custom' && (
              <button role="menuitem" type="button" onClick={() => setDialog({ rename: c })}>
                Rename category…
              </button>
            )}
            <button role="menuitem" type="button" onClick={() => void updateCategory(team.id, c.id, { muted: !c.muted }).catch(fail)}>
              {c.muted ? 'Unmute category' : 'Mute category'}
            </button>
            {i > 0 && (
              <button role="menuitem" type="button" onClick={() => void moveCategory(team.id, c.id, -1).catch(fail)}>
                Move up
              </button>
            )}
            {i < all.length - 1 && (
              <button role="menuitem" type="button" onClick={() => void moveCategory(team.id, c.id, 1).catch(fail)}>
                Move down
              </button>
            )}
            {c.type === 'custom' && (
              <button
                role="menuitem"
                type="button"
                onClick={async () => {
                  if (await confirmDialog(`Delete ${c.display_name}?`, 'Its channels go back to Channels and Direct messages.', 'Delete category')) await deleteCategory(team.id, c.id).catch(fail);
                }}
              >
                Delete category
              </button>
            )}
          </Menu>
        </div>
        <ul aria-labelledby={hid}>{shown.map(item)}</ul>
      </section>
    );
  };

  return (
    <aside class="sidebar" aria-label="Channels">
      <div class="sidebar-head">
        <Menu
          label="Team menu"
          class="team-name"
          button={
            <>
              {team.display_name || team.name} <span aria-hidden="true">▾</span>
            </>
          }
        >
          <button role="menuitem" type="button" onClick={() => setDialog('invite')}>
            Invite people
          </button>
          <a role="menuitem" href="/settings">
            Account settings
          </a>
          {(isAdmin || team.member?.role === 'team_admin') && (
            <a role="menuitem" href={integrationsPath(team.name)}>
              Integrations
            </a>
          )}
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
          <button role="menuitem" type="button" onClick={() => void leave()}>
          Leave team
        </button>
        <button role="menuitem" type="button" onClick={() => void logout()}>
            Log out
          </button>
        </Menu>
        <div class="me-line">
          {user && <Avatar user={user} size="sm" />} <span class="muted">@{user?.username}</span> {user && <PresenceDot userId={user.id} />}
        </div>
      </div>
      <button type="button" class="jump-btn" onClick={() => (switcherOpen.value = true)}>
        Find channel… <kbd>Ctrl K</kbd>
      </button>
      <nav class="ch-sections" ref={navRef} aria-label="Channels and views">
        <SidebarViews team={team} />
        {view ? view.map(section) : <>
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
        </>}
      </nav>
      {dialog === 'create' && <CreateChannel onClose={() => setDialog(null)} />}
      {dialog === 'browse' && <BrowseChannels onClose={() => setDialog(null)} />}
      {dialog === 'dm' && <NewDirect onClose={() => setDialog(null)} />}
      {dialog === 'invite' && (
        <Suspense fallback={null}>
          <InvitePeople team={team} onClose={() => setDialog(null)} />
        </Suspense>
      )}
      {dialog && typeof dialog === 'object' && 'newCategory' in dialog && (
        <CategoryName title="New category" action="Create" onSubmit={(name) => createCategory(team.id, name, dialog.newCategory ? [dialog.newCategory] : [])} onClose={() => setDialog(null)} />
      )}
      {dialog && typeof dialog === 'object' && 'rename' in dialog && (
        <CategoryName title="Rename category" action="Rename" initial={dialog.rename.display_name} onSubmit={(name) => updateCategory(team.id, dialog.rename.id, { display_name: name })} onClose={() => setDialog(null)} />
      )}
    </aside>
  );
}
