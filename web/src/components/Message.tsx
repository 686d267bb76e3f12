import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { deletePost, discardPending, editPost, loadThread, retryPending, setPin, toggleReaction } from '../data.ts';
import { PICKER, emojiChar } from '../emoji.ts';
import { renderMarkdown } from '../markdown.ts';
import { channelPath, permalinkPath } from '../router.ts';
import { currentTeam, displayName, me, rightPanel, showToast, state, type PendingPost, type Post } from '../state.ts';
import { cx, fullDate, timeOf } from '../util.ts';
import { PostAttachments } from './Attachments.tsx';
import { Avatar } from './Avatar.tsx';
import { Icon } from './Icon.tsx';
import { confirmDialog } from './Modal.tsx';

/** The post being edited inline (Up arrow in the composer sets it). */
export const editingPostId = signal('');

export function openThread(rootId: string) {
  rightPanel.value = { kind: 'thread', postId: rootId };
  void loadThread(rootId).catch((e) => showToast(e.message));
}

export function Message({ post, grouped, inThread }: { post: Post; grouped?: boolean; inThread?: boolean }) {
  const s = state.value;
  const user = s.users[post.user_id];
  const mine = post.user_id === s.me;
  const isAdmin = String(me.value?.roles ?? '').includes('system_admin');
  const team = currentTeam.value;
  const [picker, setPicker] = useState(false);
  const editing = editingPostId.value === post.id;
  const mdOpts = {
    myUsername: me.value?.username,
    channelHref: team ? (n: string) => channelPath(team.name, n) : undefined,
  };

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
  const react = (name: string) => {
    setPicker(false);
    toggleReaction(post.id, name).catch((e) => showToast(e.message));
  };

  const reactions = s.reactions[post.id] ?? [];
  const byEmoji = new Map<string, string[]>();
  for (const r of reactions) byEmoji.set(r.emoji_name, [...(byEmoji.get(r.emoji_name) ?? []), r.user_id]);

  return (
    <article class={cx('post', grouped && 'grouped', mine && 'mine', post.is_pinned && 'pinned')} data-post-id={post.id} tabIndex={-1} aria-label={`${displayName(user)} at ${timeOf(post.create_at)}`}>
      <div class="post-gutter">{grouped ? <time class="hover-time" dateTime={new Date(post.create_at).toISOString()}>{timeOf(post.create_at)}</time> : <Avatar user={user} />}</div>
      <div class="post-main">
        {!grouped && (
          <div class="post-head">
            <strong class="author">{displayName(user)}</strong>
            {user && displayName(user) !== user.username && <span class="muted small">@{user.username}</span>}
            <time class="muted small" dateTime={new Date(post.create_at).toISOString()} title={fullDate(post.create_at)}>
              {timeOf(post.create_at)}
            </time>
            {post.is_pinned && (
              <span class="pin-tag small">
                <Icon name="pin" /> Pinned
              </span>
            )}
          </div>
        )}
        {grouped && post.is_pinned && (
          <div class="pin-tag small">
            <Icon name="pin" /> Pinned
          </div>
        )}
        {editing ? (
          <EditBox post={post} />
        ) : (
          <div class="post-body">
            {renderMarkdown(post.message, mdOpts)}
            {post.edit_at ? <span class="muted small edited" title={fullDate(post.edit_at)}>(edited)</span> : null}
          </div>
        )}
        <PostAttachments post={post} />
        {byEmoji.size > 0 && (
          <div class="reactions">
            {[...byEmoji].map(([name, users]) => {
              const minePicked = users.includes(s.me);
              const who = users.map((id) => s.users[id]?.username ?? 'someone').join(', ');
              return (
                <button type="button" key={name} class={cx('reaction', minePicked && 'mine')} aria-pressed={minePicked} title={`${who} reacted with :${name}:`} onClick={() => react(name)} data-emoji={name}>
                  <span aria-hidden="true">{emojiChar(name)}</span> {users.length}
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
      <div class="post-actions" role="toolbar" aria-label="Message actions">
        <button type="button" class="icon-btn" title="Add reaction" aria-label="Add reaction" aria-expanded={picker} onClick={() => setPicker(!picker)}>
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
      </div>
      {picker && (
        <div class="emoji-picker" role="menu" aria-label="Pick a reaction">
          {PICKER.map((name) => (
            <button type="button" role="menuitem" key={name} title={`:${name}:`} aria-label={name} onClick={() => react(name)} data-emoji={name}>
              {emojiChar(name)}
            </button>
          ))}
        </div>
      )}
    </article>
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
