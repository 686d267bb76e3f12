/**
 * File attachments — the place for the files UI (issue 6, engineer H7).
 * `PostAttachments` renders a post's files under its message; `ComposerAttachments` sits in the
 * composer's toolbar and reports uploaded file ids through `onChange` (the composer sends them as
 * `file_ids`). Until uploads land these render file names from post metadata only.
 */
import type { Post } from '../state.ts';

export function PostAttachments({ post }: { post: Post }) {
  const files = ((post as any).metadata?.files ?? (post as any).files ?? []) as { id: string; name: string; size?: number; mime_type?: string }[];
  if (!Array.isArray(files) || !files.length) return null;
  return (
    <ul class="attachments" aria-label="Attachments">
      {files.map((f) => (
        <li key={f.id}>
          <a href={`/api/v1/files/${f.id}?download=1`} download={f.name} rel="noopener noreferrer">
            📎 {f.name}
          </a>
        </li>
      ))}
    </ul>
  );
}

export function ComposerAttachments(_props: { channelId: string; fileIds: string[]; onChange: (ids: string[]) => void }) {
  return null;
}
