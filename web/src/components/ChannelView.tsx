import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoving } from '../roving.ts';
import { leaveChannel, loadChannelMembers } from '../data.ts';
import { canModerate, setArchived, setPrivacy } from '../channel-ops.ts';
import { navigate, channelPath } from '../router.ts';
import { channelTitle, currentChannel, currentTeam, dmPartner, isMuted, mobilePane, pageWhere, rightPanel, showToast, state, type Channel } from '../state.ts';
import { renderMarkdown } from '../markdown.ts';
import { Composer } from './Composer.tsx';
import { MessageList } from './MessageList.tsx';
import { PresenceDot } from './Avatar.tsx';
import { Icon } from './Icon.tsx';
import { Menu } from './Menu.tsx';
import { confirmDialog } from './Modal.tsx';
import { AddMembers, EditChannelText, RenameChannel } from './ChannelDialogs.tsx';
import { ChannelNotifications } from './ChannelNotifications.tsx';
import { setMuted } from '../notify-prefs.ts';

type ChannelDialog = 'rename' | 'header' | 'purpose' | 'add' | 'notifications' | null;

export function ChannelView() {
  const ch = currentChannel.value;
  const team = currentTeam.value;
  const s = state.value;
  const [q, setQ] = useState('');
  const [dialog, setDialog] = useState<ChannelDialog>(null);
  useEffect(() => {
    if (ch && s.channelMembers[ch.id] === undefined) void loadChannelMembers(ch.id).catch(() => {});
  }, [ch?.id]);
  const where = ch && team ? `${channelTitle(ch, s)} - ${team.display_name || team.name}` : '';
  useEffect(() => {
    pageWhere.value = where;
  }, [where]);
  useEffect(() => () => void (pageWhere.value = ''), []);
  // The header's buttons (channel menu, members, pinned, files) are one toolbar: one Tab stop,
  // ArrowLeft/ArrowRight between them.
  const headerRef = useRef<HTMLElement>(null);
  useRoving(headerRef, { items: '.ch-menu-btn, .ch-tools .tool-btn', orientation: 'horizontal' }, ch?.id);
  if (!ch || !team) return <main class="chan empty" aria-label="Channel" />;
  const members = s.channelMembers[ch.id];
  const partner = dmPartner(ch, s);
  const panel = rightPanel.value;
  const toggle = (kind: 'pinned' | 'members' | 'files') => (rightPanel.value = panel?.kind === kind ? null : { kind });
  const pinnedCount = s.pinned[ch.id]?.length;

  return (
    <main class="chan" aria-label={`Channel ${channelTitle(ch, s)}`} data-channel={ch.name}>
      <header class="ch-header" ref={headerRef}>
        <button type="button" class="icon-btn back-btn" aria-label="Back to channels" onClick={() => (mobilePane.value = 'sidebar')}>
          <Icon name="back" />
        </button>
        <div class="ch-title">
          <div class="ch-title-row">
            <h1>
              {partner ? <PresenceDot userId={partner} /> : <Icon name={ch.type === 'P' ? 'lock' : ch.type === 'O' ? 'hash' : 'group'} />}
              <span class="ch-name" title={channelTitle(ch, s)}>
                {channelTitle(ch, s)}
              </span>
              {ch.delete_at ? <span class="muted small"> (archived)</span> : null}
            </h1>
            <ChannelMenu ch={ch} teamName={team.name} open={setDialog} />
          </div>
          {(ch.purpose || ch.header) && (
            <div class="ch-purpose" title={String(ch.purpose || '')}>
              {renderMarkdown(String(ch.header || ch.purpose), { channelHref: (n) => channelPath(team.name, n) })}
            </div>
          )}
        </div>
        <div class="ch-tools">
          <button type="button" class="tool-btn" aria-pressed={panel?.kind === 'members'} onClick={() => toggle('members')} title="Members">
            <Icon name="members" /> <span>{members ? members.length : ''}</span>
            <span class="sr-only"> members</span>
          </button>
          <button type="button" class="tool-btn" aria-pressed={panel?.kind === 'pinned'} onClick={() => toggle('pinned')} title="Pinned messages">
            <Icon name="pin" /> <span>{pinnedCount ?? ''}</span>
            <span class="sr-only"> pinned messages</span>
          </button>
          <button type="button" class="tool-btn" aria-pressed={panel?.kind === 'files'} onClick={() => toggle('files')} title="Channel files">
            <Icon name="file" />
            <span class="sr-only">Channel files</span>
          </button>
          <form
            role="search"
            class="search-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (q.trim()) rightPanel.value = { kind: 'search', q: q.trim() };
            }}
          >
            <input type="search" name="q" placeholder="Search" aria-label="Search messages" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          </form>
        </div>
      </header>
      <MessageList key={ch.id} channelId={ch.id} />
      {ch.delete_at ? (
        <div class="archived-note">
          This channel is archived.{' '}
          {canModerate(ch) && (
            <button type="button" class="btn small-btn" onClick={() => void setArchived(ch.id, false).catch((e) => showToast(e.message))}>
              Unarchive
            </button>
          )}
        </div>
      ) : (
        <Composer key={ch.id} channelId={ch.id} />
      )}
      {dialog === 'rename' && <RenameChannel channel={ch} onClose={() => setDialog(null)} />}
      {(dialog === 'header' || dialog === 'purpose') && <EditChannelText channel={ch} field={dialog} onClose={() => setDialog(null)} />}
      {dialog === 'add' && <AddMembers channel={ch} onClose={() => setDialog(null)} />}
      {dialog === 'notifications' && <ChannelNotifications channel={ch} onClose={() => setDialog(null)} />}
    </main>
  );
}

/** The channel's menu (Mattermost's channel header menu): what the caller may do with it. */
function ChannelMenu({ ch, teamName, open }: { ch: Channel; teamName: string; open: (d: ChannelDialog) => void }) {
  const teamChannel = ch.type === 'O' || ch.type === 'P';
  const live = !ch.delete_at;
  const mod = teamChannel && canModerate(ch);
  const special = ch.name === 'town-square';
  const muted = isMuted(state.value.members[ch.id]);
  const fail = (e: Error) => showToast(e.message);
  const title = ch.display_name || ch.name;
  async function convert() {
    const toPrivate = ch.type === 'O';
    const ok = await confirmDialog(
      toPrivate ? `Make ${title} private?` : `Make ${title} public?`,
      toPrivate ? 'Only its members will see it and its history; others can no longer find or join it.' : 'Everyone in the team will be able to find it, read its history and join.',
      toPrivate ? 'Make private' : 'Make public',
    );
    if (ok) await setPrivacy(ch.id, toPrivate ? 'private' : 'public').catch(fail);
  }
  async function archive() {
    if (await confirmDialog(`Archive ${title}?`, 'Nobody can post in it any more; its history stays readable, and a channel admin can unarchive it.', 'Archive')) {
      await setArchived(ch.id, true).catch(fail);
    }
  }
  async function leave() {
    if (ch.type === 'P' && !(await confirmDialog(`Leave ${title}?`, 'It is private: you need to be added again to come back.', 'Leave'))) return;
    await leaveChannel(ch.id)
      .then(() => navigate(channelPath(teamName, 'town-square')))
      .catch(fail);
  }
  return (
    <Menu label="Channel menu" buttonLabel="Channel menu" class="icon-btn ch-menu-btn" button={<span aria-hidden="true">▾</span>} menuClass="ch-menu">
      <button type="button" role="menuitem" onClick={() => (rightPanel.value = { kind: 'members' })}>
        Members
      </button>
      {teamChannel && live && (
        <button type="button" role="menuitem" onClick={() => open('add')}>
          Add members
        </button>
      )}
      {live && (
        <button type="button" role="menuitem" onClick={() => open('header')}>
          Edit header
        </button>
      )}
      {teamChannel && live && (
        <button type="button" role="menuitem" onClick={() => open('purpose')}>
          Edit purpose
        </button>
      )}
      {teamChannel && live && (
        <button type="button" role="menuitem" onClick={() => open('rename')}>
          Rename
        </button>
      )}
      {mod && live && !special && (
        <button type="button" role="menuitem" onClick={() => void convert()}>
          {ch.type === 'O' ? 'Convert to private channel' : 'Convert to public channel'}
        </button>
      )}
      {mod && live && !special && (
        <button type="button" role="menuitem" class="danger-text" onClick={() => void archive()}>
          Archive channel
        </button>
      )}
      {mod && !live && (
        <button type="button" role="menuitem" onClick={() => void setArchived(ch.id, false).catch(fail)}>
          Unarchive channel
        </button>
      )}
      <button type="button" role="menuitem" onClick={() => open('notifications')}>
        Notification preferences
      </button>
      <button type="button" role="menuitem" onClick={() => void setMuted(ch.id, !muted).catch(fail)}>
        {muted ? 'Unmute channel' : 'Mute channel'}
      </button>
      {(teamChannel || ch.type === 'G') && !special && (
        <button type="button" role="menuitem" onClick={() => void leave()}>
          Leave channel
        </button>
      )}
    </Menu>
  );
}
