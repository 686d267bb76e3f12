import { useEffect, useState } from 'preact/hooks';
import { leaveChannel, loadChannelMembers } from '../data.ts';
import { navigate, channelPath } from '../router.ts';
import { channelTitle, currentChannel, currentTeam, dmPartner, rightPanel, state } from '../state.ts';
import { renderMarkdown } from '../markdown.ts';
import { Composer } from './Composer.tsx';
import { MessageList } from './MessageList.tsx';
import { PresenceDot } from './Avatar.tsx';
import { Icon } from './Icon.tsx';
import { mobilePane } from './Workspace.tsx';

export function ChannelView() {
  const ch = currentChannel.value;
  const team = currentTeam.value;
  const s = state.value;
  const [q, setQ] = useState('');
  useEffect(() => {
    if (ch && s.channelMembers[ch.id] === undefined) void loadChannelMembers(ch.id).catch(() => {});
  }, [ch?.id]);
  if (!ch || !team) return <main class="chan empty" aria-label="Channel" />;
  const members = s.channelMembers[ch.id];
  const partner = dmPartner(ch, s);
  const panel = rightPanel.value;
  const toggle = (kind: 'pinned' | 'members') => (rightPanel.value = panel?.kind === kind ? null : { kind });
  const pinnedCount = s.pinned[ch.id]?.length;

  return (
    <main class="chan" aria-label={`Channel ${channelTitle(ch, s)}`} data-channel={ch.name}>
      <header class="ch-header">
        <button type="button" class="icon-btn back-btn" aria-label="Back to channels" onClick={() => (mobilePane.value = 'sidebar')}>
          <Icon name="back" />
        </button>
        <div class="ch-title">
          <h1>
            {partner ? <PresenceDot userId={partner} /> : <Icon name={ch.type === 'P' ? 'lock' : ch.type === 'O' ? 'hash' : 'group'} />}
            {channelTitle(ch, s)}
            {ch.delete_at ? <span class="muted small"> (archived)</span> : null}
          </h1>
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
          {(ch.type === 'O' || ch.type === 'P') && ch.name !== 'town-square' && (
            <button
              type="button"
              class="tool-btn"
              title="Leave channel"
              onClick={() => void leaveChannel(ch.id).then(() => navigate(channelPath(team.name, 'town-square')))}
            >
                Leave
            </button>
          )}
        </div>
      </header>
      <MessageList channelId={ch.id} />
      {ch.delete_at ? <div class="archived-note">This channel is archived.</div> : <Composer key={ch.id} channelId={ch.id} />}
    </main>
  );
}
