import { useEffect } from 'preact/hooks';
import { get, type Page } from '../api.ts';
import { acceptInvite, joinChannel, joinTeam, loadChannels, loadPost, loadPosts, loadThread, markRead } from '../data.ts';
import { channelPath, navigate, route } from '../router.ts';
import { connection, currentChannelId, currentTeamId, focusPostId, mobilePane, rightPanel, showToast, state, type Channel } from '../state.ts';
import { ChannelView } from './ChannelView.tsx';
import { lazy, Suspense } from 'preact/compat';
import { loadThreads } from '../threads.ts';
import { loadSaved } from '../saved.ts';
import { QuickSwitcher, switcherOpen } from './QuickSwitcher.tsx';
import { RightPanel } from './RightPanel.tsx';
import { Sidebar } from './Sidebar.tsx';
import { TeamBar } from './TeamBar.tsx';
import { cx } from '../util.ts';
import { modalOpen } from './Modal.tsx';

// The Threads view loads on first use (the app shell stays small).
const ThreadsView = lazy(() => import('./ThreadsView.tsx').then((m) => m.ThreadsView));

/** Finds a channel of a team by its URL name (DMs are found by name in any team). */
function channelByName(teamId: string, name: string): Channel | undefined {
  return Object.values(state.value.channels).find((c) => c.name === name && (c.team_id === teamId || !c.team_id));
}

export function Workspace() {
  const r = route.value;
  const s = state.value;
  const teams = Object.values(s.teams).sort((a, b) => (a.display_name || a.name).localeCompare(b.display_name || b.name));

  // Which team: from the URL, else the first one; no team at all -> first-run team creation.
  useEffect(() => {
    if (r.name === 'invite') {
      joinTeam(r.teamId, r.inviteId)
        .then((t) => navigate(channelPath(t.name, 'town-square'), true))
        .catch((e) => {
          showToast(`Could not join the team: ${e.message}`);
          navigate('/', true);
        });
      return;
    }
    if (r.name === 'invite_token') {
      // An emailed invitation opened (or logged in through) while signed in: join its team.
      acceptInvite(r.token)
        .then((t) => navigate(channelPath(t.name, 'town-square'), true))
        .catch((e) => {
          showToast(`Could not join the team: ${e.message}`);
          navigate('/', true);
        });
      return;
    }
    if (!teams.length) {
      navigate('/create-team', true);
      return;
    }
    const name = r.name === 'channel' || r.name === 'permalink' || r.name === 'threads' ? r.team : '';
    const team = teams.find((t) => t.name === name);
    if (!team) {
      navigate(channelPath(teams[0]!.name, 'town-square'), true);
      return;
    }
    if (currentTeamId.value !== team.id) {
      currentTeamId.value = team.id;
      // Threads and saved posts of channels not held are left out: channels first.
      loadChannels(team.id)
        .then(() => Promise.all([loadThreads(team.id), loadSaved()]))
        .catch((e) => showToast(e.message));
    }
  }, [r, teams.length]);

  // Which channel.
  const teamId = currentTeamId.value;
  const team = s.teams[teamId];
  useEffect(() => {
    if (!team) return;
    if (r.name === 'permalink') {
      void openPermalink(team.name, r.postId);
      return;
    }
    if (r.name === 'threads' && r.team === team.name) {
      const prev = currentChannelId.value;
      if (prev) {
        currentChannelId.value = '';
        void markRead(prev);
      }
      mobilePane.value = 'channel';
      return;
    }
    if (r.name !== 'channel' || r.team !== team.name) return;
    const ch = channelByName(team.id, r.channel);
    if (ch) {
      if (currentChannelId.value !== ch.id) switchTo(ch);
      return;
    }
    // Not a member (or not loaded yet): a public channel can be joined from its link.
    const ids = Object.keys(s.channels);
    if (!ids.some((id) => s.channels[id]!.team_id === team.id)) return; // channels still loading
    // Another place opened while the list is on its way wins (as for permalinks).
    const here = () => route.value === r;
    get<Page<Channel>>(`/teams/${team.id}/channels/browse`)
      .then((res) => {
        if (!here()) return undefined;
        const found = res.items.find((c) => c.name === r.channel);
        if (found) return joinChannel(found.id).then((joined) => void (here() && switchTo(joined)));
        if (r.channel !== 'town-square') navigate(channelPath(team.name, 'town-square'), true);
        return undefined;
      })
      .catch(() => here() && navigate(channelPath(team.name, 'town-square'), true));
  }, [r, team?.id, Object.keys(s.channels).length]);

  // Esc marks the channel read; Ctrl/Cmd+K opens the quick switcher.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        switcherOpen.value = true;
      } else if (e.key === 'Escape' && !switcherOpen.value && !modalOpen.value) {
        if (currentChannelId.value) void markRead(currentChannelId.value, true);
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  // Presence of the people on screen is live: see presence-watch.ts (no polling).

  const conn = connection.value;
  return (
    <div class={cx('workspace', rightPanel.value && 'with-panel', `pane-${mobilePane.value}`)}>
      {/* Only a lost connection shows; the first connect is quick and needs no banner. */}
      {conn === 'reconnecting' && (
        <div class="banner" role="status" aria-live="polite">
          Connection lost. Reconnecting…
        </div>
      )}
      <TeamBar teams={teams} />
      <Sidebar />
      {r.name === 'threads' ? (
        <Suspense fallback={<main class="chan empty" aria-label="Threads" />}>
          <ThreadsView />
        </Suspense>
      ) : (
        <ChannelView />
      )}
      <RightPanel />
      <QuickSwitcher />
    </div>
  );
}

function switchTo(ch: Channel) {
  const prev = currentChannelId.value;
  currentChannelId.value = ch.id;
  mobilePane.value = 'channel';
  if (rightPanel.value && rightPanel.value.kind !== 'thread' && rightPanel.value.kind !== 'search' && rightPanel.value.kind !== 'saved') rightPanel.value = null;
  if (prev) void markRead(prev);
  loadPosts(ch.id)
    .then(() => markRead(ch.id))
    .catch((e) => showToast(e.message));
}

async function openPermalink(teamName: string, postId: string) {
  // Another place opened while this one loads (a channel clicked, another link) wins: an answer
  // landing after it must not switch the channel back or rewrite the address.
  const left = () => {
    const r = route.value;
    return r.name !== 'permalink' || r.postId !== postId;
  };
  try {
    const p = await loadPost(postId);
    if (left()) return;
    if (!p) throw new Error('Message not found');
    const ch = state.value.channels[p.channel_id];
    if (!ch) throw new Error('That message is in a channel you are not a member of');
    const rootId = p.root_id || p.id;
    if (currentChannelId.value !== ch.id) {
      currentChannelId.value = ch.id;
      await loadPosts(ch.id);
    }
    // Load older pages until the root is in the list (a few pages at most).
    for (let i = 0; i < 10 && !(state.value.postsInChannel[ch.id] ?? []).includes(rootId); i++) {
      const list = state.value.postsInChannel[ch.id] ?? [];
      if (!list.length || left()) break;
      await loadPosts(ch.id, list[0]);
    }
    if (left()) return;
    focusPostId.value = rootId;
    if (p.root_id) {
      rightPanel.value = { kind: 'thread', postId: p.root_id };
      await loadThread(p.root_id);
      if (left()) return;
    }
    history.replaceState(null, '', channelPath(teamName, ch.name));
    route.value = { name: 'channel', team: teamName, channel: ch.name };
    void markRead(ch.id);
  } catch (e) {
    if (left()) return;
    showToast((e as Error).message);
    navigate(channelPath(teamName, 'town-square'), true);
  }
}
