import { signal, useComputed } from '@preact/signals';
import { memo } from 'preact/compat';
import { useMemo, useState } from 'preact/hooks';
import { deletePost, discardPending, editPost, loadThread, retryPending, setPin, toggleReaction } from '../data.ts';
import { Emoji, emojiNode } from '../emoji/index.tsx';
import { EmojiPicker } from '../emoji/host.tsx';
import { renderMarkdown, type MarkdownOptions } from '../markdown.ts';
import { channelPath, permalinkPath } from '../router.ts';
import { currentTeam, displayName, me, rightPanel, showToast, state, type PendingPost, type Post, type Reaction } from '../state.ts';
import { cx, fullDate, timeOf } from '../util.ts';
import { PostAttachments } from './Attachments.tsx';
import { Avatar } from './Avatar.tsx';
import { Icon } from './Icon.tsx';
import { confirmDialog } from './Modal.tsx';
import { Edited } from './EditHistory.tsx';
import { PostMenu } from './PostMenu.tsx';
import { SlackAttachments } from './SlackAttachments.tsx';
import { markThreadRead } from '../threads.ts';

/** The post being edited inline (Up arrow in the composer sets it). */
export const editingPostId = signal('');

export function openThread(rootId: string) {
  rightPanel.value = { kind: 'thread', postId: rootId };
  void loadThread(rootId).catch((e) => showToast(e.message));
  void markThreadRead(rootId).catch(() => {});
}

const NO_REACTIONS: Reaction[] = [];

/**
 * One post. Memoized by its props (the post object keeps its identity until it changes), and it
 * reads the shared state only through computed slices (its author, its reactions, saved or not),
 * so a new post elsewhere in the channel re-renders none of the others (issue 20 target 6).
 */
export const Message = memo(function Message({ post, grouped, inThread }: { post: Post; grouped?: boolean; inThread?: boolean }) {
  const user = useComputed(() => state.value.users[post.user_id]).value;
  const myId = useComputed(() => state.value.me).value;
  const reactions = useComputed(() => state.value.reactions[post.id] ?? NO_REACTIONS).value;
  const saved = useComputed(() => !!state.value.saved[post.id]).value;
  // Who reacted, for the tooltips: only posts with reactions follow the user directory.
  const byId = useComputed(() => (state.value.reactions[post.id]?.length ? state.value.users : undefined)).value;
  const mine = post.user_id === myId;
  const team = currentTeam.value;
  const [picker, setPicker] = useState(false);
  // The actions toolbar exists only while the post is hovered or has the focus (or its reaction
  // picker is open): ~12 elements a post fewer in a long channel (issue 20 target 6).
  const [hover, setHover] = useState(false);
  const [focused, setFocused] = useState(false);
  const active = hover || focused;
  const editing = editingPostId.value === post.id;
  const myUsername = me.value?.username;
  const teamName = team?.name;
  const md = useMemo<MarkdownOptions>(
    () => ({
      myUsername,
      channelHref: teamName ? (n: string) => channelPath(teamName, n) : undefined,
      emoji: emojiNode,
    }),
    [myUsername, teamName],
  );
  const body = useMemo(() => renderMarkdown(post.message, md), [post.message, md]);

  const react = (name: string) => {
    setPicker(false);
    toggleReaction(post.id, name).catch((e) => showToast(e.message));
  };
  // The picker adds a reaction (picking one I have already made keeps it).
  const pickReaction = (name: string) => {
    setPicker(false);
    if (!reactions.some((r) => r.user_id === myId && r.emoji_name === name)) react(name);
  };

  const byEmoji = new Map<string, string[]>();
  for (const r of reactions) byEmoji.set(r.emoji_name, [...(byEmoji.get(r.emoji_name) ?? []), r.user_id]);

  return (
    <article
      class={cx('post', grouped && 'grouped', mine && 'mine', post.is_pinned && 'pinned')}
      data-post-id={post.id}
      tabIndex={-1}
      aria-label={`${displayName(user)} at ${timeOf(post.create_at)}`}
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
      onFocusIn={() => setFocused(true)}
      onFocusOut={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setFocused(false);
      }}
    >
      <div class="post-gutter">{grouped ? <time class="hover-time" dateTime={new Date(post.create_at).toISOString()}>{timeOf(post.create_at)}</time> : <Avatar user={user} profile />}</div>
      <div class="post-main">
        {!grouped && (
          <div class="post-head">
            {user ? (
              <button type="button" class="author author-btn" data-profile={user.id}>
                {displayName(user)}
              </button>
            ) : (
              <strong class="author">{displayName(user)}</strong>
            )}
            {user && displayName(user) !== user.username && <span class="muted small">@{user.username}</span>}
            <time class="muted small" dateTime={new Date(post.create_at).toISOString()} title={fullDate(post.create_at)}>
              {timeOf(post.create_at)}
            </time>
            {post.is_pinned && (
              <span class="pin-tag small">
                <Icon name="pin" /> Pinned
              </span>
            )}
            {saved && <SavedTag />}
          </div>
        )}
        {grouped && post.is_pinned && (
          <div class="pin-tag small">
            <Icon name="pin" /> Pinned
          </div>
        )}
        {grouped && saved && <SavedTag />}
        {editing ? (
          <EditBox post={post} />
        ) : (
          <div class="post-body">
            {body}
            {post.type === 'system_ephemeral' && <span class="muted small ephemeral-tag">(Only visible to you)</span>}
            <Edited post={post} />
          </div>
        )}
        <SlackAttachments props={post.props} md={md} />
        <PostAttachments post={post} />
        {byEmoji.size > 0 && (
          <div class="reactions">
            {[...byEmoji].map(([name, users]) => {
              const minePicked = users.includes(myId);
              const who = users.map((id) => byId?.[id]?.username ?? 'someone').join(', ');
              return (
                <button type="button" key={name} class={cx('reaction', minePicked && 'mine')} aria-pressed={minePicked} title={`${who} reacted with :${name}:`} onClick={() => react(name)} data-emoji={name}>
                  <span aria-hidden="true">
                    <Emoji name={name} />
                  </span>{' '}
                  {users.length}
                  <span class="sr-only"> :{name}: by {who}</span>
                </button>
              );
            })}
          </div>
        )}
        {!inThread && (post.reply_count ?? 0) > 0 && (
          <button type="button" class="replies-link" onClick={() => openThread(post.id)}>
            {post.reply_count} {post.reply_count === 1 ? 'reply' : 'replies'}
          </button>
        )}
      </div>
      {(active || picker) && <PostActions post={post} inThread={inThread} mine={mine} picker={picker} setPicker={setPicker} />}
      {picker && <EmojiPicker label="Pick a reaction" class="reaction-picker" onPick={pickReaction} onClose={() => setPicker(false)} />}
    </article>
  );
});

/**
 * A post's hover toolbar (react, reply, pin, copy link, edit, delete, more). Rendered by `Message`
 * only while the post is hovered or focused, so the closed state costs no DOM.
 */
function PostActions({ post, inThread, mine, picker, setPicker }: { post: Post; inThread?: boolean; mine: boolean; picker: boolean; setPicker: (open: boolean) => void }) {
  const isAdmin = String(me.value?.roles ?? '').includes('system_admin');
  const team = currentTeam.value;
  async function remove() {
    if (await confirmDialog('Delete message', 'Delete this message? This cannot be undone.')) {
      deletePost(post.id).catch((e) => showToast(e.message));
    }
  }
  function copyLink() {
    if (!team) return;
    const url = location.origin + permalinkPath(team.name, post.id);
    navigator.clipboard?.writeText(url).then(
      () => showToast('Link copied', 'info'),
      () => showToast(url, 'info'),
    );
  }
  return (
    <div class="post-actions" role="toolbar" aria-label="Message actions">
      <button type="button" class="icon-btn" title="Add reaction" aria-label="Add reaction" aria-expanded={picker} data-emoji-toggle onClick={() => setPicker(!picker)}>
        <Icon name="smile" />
      </button>
      {!inThread && (
        <button type="button" class="icon-btn" title="Reply in thread" aria-label="Reply in thread" onClick={() => openThread(post.root_id || post.id)}>
          <Icon name="reply" />
        </button>
      )}
      <button type="button" class="icon-btn" title={post.is_pinned ? 'Unpin' : 'Pin'} aria-label={post.is_pinned ? 'Unpin' : 'Pin'} onClick={() => setPin(post.id, !post.is_pinned).catch((e) => showToast(e.message))}>
        <Icon name="pin" />
      </button>
      <button type="button" class="icon-btn" title="Copy link" aria-label="Copy link" onClick={copyLink}>
        <Icon name="link" />
      </button>
      {mine && (
        <button type="button" class="icon-btn" title="Edit" aria-label="Edit" onClick={() => (editingPostId.value = post.id)}>
          <Icon name="edit" />
        </button>
      )}
      {(mine || isAdmin) && (
        <button type="button" class="icon-btn" title="Delete" aria-label="Delete" onClick={remove}>
          <Icon name="trash" />
        </button>
      )}
      {post.type !== 'system_ephemeral' && <PostMenu post={post} inThread={inThread} />}
    </div>
  );
}

function SavedTag() {
  return (
    <span class="saved-tag small">
      <Icon name="bookmark" /> Saved
    </span>
  );
}

function EditBox({ post }: { post: Post }) {
  const [text, setText] = useState(post.message);
  const done = () => (editingPostId.value = '');
  async function save() {
    const t = text.trim();
    if (!t) return;
    if (t !== post.message) {
      try {
        await editPost(post.id, t);
      } catch (e) {
        showToast((e as Error).message);
        return;
      }
    }
    done();
  }
  return (
    <div class="edit-box">
      <textarea
        aria-label="Edit message"
        value={text}
        ref={(el) => {
          if (el && !el.dataset.f) {
            el.dataset.f = '1';
            el.focus();
            el.setSelectionRange(el.value.length, el.value.length);
            // The newest message's box would sit under the composer: bring all of it into view.
            el.closest('.edit-box')?.scrollIntoView({ block: 'nearest' });
          }
        }}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void save();
          } else if (e.key === 'Escape') {
            e.stopPropagation();
            done();
          }
        }}
      />
      <div class="small muted">
        Enter to save, Esc to cancel ·{' '}
        <button type="button" class="btn link" onClick={save}>
          Save
        </button>
      </div>
    </div>
  );
}

export function PendingMessage({ p }: { p: PendingPost }) {
  const user = me.value;
  return (
    <article class={cx('post', 'pending', p.failed && 'failed')} aria-label={p.failed ? 'Message failed to send' : 'Sending message'}>
      <div class="post-gutter">
        <Avatar user={user} />
      </div>
      <div class="post-main">
        <div class="post-head">
          <strong class="author">{displayName(user)}</strong>
          <span class="muted small">{p.failed ? 'Failed to send' : 'Sending…'}</span>
        </div>
        <div class="post-body">{renderMarkdown(p.message, { myUsername: user?.username })}</div>
        {p.failed && (
          <div class="small">
            <span class="form-error">{p.failed}</span>{' '}
            <button type="button" class="btn link" onClick={() => retryPending(p.client_msg_id)}>
              Retry
            </button>{' '}
            <button type="button" class="btn link" onClick={() => discardPending(p.client_msg_id)}>
              Discard
            </button>
          </div>
        )}
      </div>
    </article>
  );
}
