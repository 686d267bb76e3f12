import { useEffect, useState } from 'preact/hooks';
import { get, type Page } from '../api.ts';
import { renderMarkdown } from '../markdown.ts';
import { me, type Post } from '../state.ts';
import { fullDate } from '../util.ts';
import { Modal } from './Modal.tsx';

/** One earlier version of a post (GET /posts/:id/history). */
interface PostEdit {
  id: string;
  post_id: string;
  message: string;
  file_ids: string[];
  written_at: number;
  replaced_at: number;
}

/**
 * The "(edited)" marker. The server shows a post's earlier versions to its author only, so for
 * the author it is a button that opens them; for everyone else it stays a plain marker.
 */
export function Edited({ post }: { post: Post }) {
  const [open, setOpen] = useState(false);
  if (!post.edit_at) return null;
  if (post.user_id !== me.value?.id) {
    return (
      <span class="muted small edited" title={fullDate(post.edit_at)}>
        (edited)
      </span>
    );
  }
  return (
    <>
      <button type="button" class="edited edited-btn small" title={`Edited ${fullDate(post.edit_at)}: show earlier versions`} aria-haspopup="dialog" onClick={() => setOpen(true)}>
        (edited)
      </button>
      {open && <EditHistory post={post} onClose={() => setOpen(false)} />}
    </>
  );
}

function EditHistory({ post, onClose }: { post: Post; onClose: () => void }) {
  const [items, setItems] = useState<PostEdit[] | null>(null);
  const [error, setError] = useState('');
  // Reloaded when the post changes again while open (a newer version replaces the current one).
  useEffect(() => {
    get<Page<PostEdit>>(`/posts/${post.id}/history`)
      .then((r) => setItems(r.items))
      .catch((e) => setError((e as Error).message));
  }, [post.id, post.edit_at]);
  const myName = me.value?.username;
  return (
    <Modal title="Edit history" onClose={onClose} wide>
      <ol class="edit-history" aria-label="Versions, newest first">
        <li class="edit-version current" data-version="current">
          <div class="small muted">
            Current version · edited <time dateTime={new Date(post.edit_at).toISOString()}>{fullDate(post.edit_at)}</time>
          </div>
          <div class="edit-body">{renderMarkdown(post.message, { myUsername: myName })}</div>
        </li>
        {items?.map((v) => (
          <li key={v.id} class="edit-version" data-version={v.id}>
            <div class="small muted">
              Written <time dateTime={new Date(v.written_at).toISOString()}>{fullDate(v.written_at)}</time>
              {v.file_ids.length > 0 && ` · ${v.file_ids.length} ${v.file_ids.length === 1 ? 'file' : 'files'}`}
            </div>
            <div class="edit-body">{renderMarkdown(v.message, { myUsername: myName })}</div>
          </li>
        ))}
      </ol>
      {items === null && !error && <p class="muted">Loading…</p>}
      {items?.length === 0 && <p class="muted">No earlier versions are kept for this message.</p>}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}
