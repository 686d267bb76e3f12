/**
 * Files found by GET /api/v1/files/search: the Files tab of search results and a channel's Files
 * list (right panel). Each row shows the thumbnail (or the extension), name, size, where and when;
 * a click opens an image in the viewer and downloads anything else.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs } from '../api.ts';
import { channelTitle, currentTeam, state } from '../state.ts';
import { navigate, permalinkPath } from '../router.ts';
import { fullDate } from '../util.ts';
import { ImageViewer } from './attachments.tsx';
import { downloadFile, fileBlobUrl, formatSize, isPreviewable, type FileInfo } from './transfer.ts';

interface FoundFile extends FileInfo {
  channel_id: string;
  post_id: string;
  creator_id: string;
  create_at: number;
}

function Thumb({ file }: { file: FoundFile }) {
  const [src, setSrc] = useState('');
  useEffect(() => {
    let live = true;
    if (isPreviewable(file)) void fileBlobUrl(file.id, 'thumbnail').then((u) => live && setSrc(u), () => {});
    return () => {
      live = false;
    };
  }, [file.id]);
  if (src) return <img class="file-thumb" src={src} alt="" width={40} height={40} />;
  return (
    <span class="file-ext file-thumb" aria-hidden="true">
      {(file.extension || file.name.split('.').pop() || 'file').slice(0, 4).toUpperCase()}
    </span>
  );
}

/** Files matching `q` (in the team, or in one channel); `q` may be empty for a channel. */
export function FileResults({ q, teamId, channelId }: { q: string; teamId?: string; channelId?: string }) {
  const [items, setItems] = useState<FoundFile[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useState<FoundFile | null>(null);
  // Only the latest request's answer is shown: files of an earlier text or channel that answer
  // after a newer request must not replace its results.
  const asked = useRef(0);
  async function run(more?: string) {
    const mine = ++asked.current;
    try {
      const r = await get<{ items: FoundFile[]; next_cursor: string | null }>(`/files/search${qs({ q, team_id: teamId, channel_id: channelId, cursor: more, limit: '30' })}`);
      if (mine !== asked.current) return;
      setItems((prev) => (more ? [...(prev ?? []), ...r.items] : r.items));
      setCursor(r.next_cursor);
    } catch (e) {
      if (mine === asked.current) setError((e as Error).message);
    }
  }
  useEffect(() => {
    setItems(null);
    setError('');
    setCursor(null);
    void run();
  }, [q, teamId, channelId]);
  const s = state.value;
  const team = currentTeam.value;
  return (
    <div class="file-results">
      {error && (
        <p class="form-error pad" role="alert">
          {error}
        </p>
      )}
      {items === null && !error && <p class="muted pad">Searching…</p>}
      {items?.length === 0 && <p class="muted pad">{channelId && !q ? 'No files in this channel yet.' : 'No files found.'}</p>}
      <ul class="results" aria-label="Files">
        {items?.map((f) => {
          const ch = s.channels[f.channel_id];
          return (
            <li key={f.id} class="file-row" data-file-id={f.id}>
              <button type="button" class="file-open" onClick={() => (isPreviewable(f) ? setOpen(f) : void downloadFile(f))} aria-label={`${isPreviewable(f) ? 'Open' : 'Download'} ${f.name}`}>
                <Thumb file={f} />
                <span class="file-meta">
                  <span class="file-name" title={f.name}>
                    {f.name}
                  </span>
                  <span class="muted small">
                    {formatSize(f.size)}
                    {ch && !channelId ? ` · ${ch.type === 'O' || ch.type === 'P' ? '~' : ''}${channelTitle(ch, s)}` : ''} · <span title={fullDate(f.create_at)}>{new Date(f.create_at).toLocaleDateString()}</span>
                  </span>
                </span>
              </button>
              {team && f.post_id && (
                <button type="button" class="btn small-btn" onClick={() => navigate(permalinkPath(team.name, f.post_id))} aria-label={`Jump to the message with ${f.name}`}>
                  Jump
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {cursor && (
        <button type="button" class="btn pad" onClick={() => run(cursor)}>
          More files
        </button>
      )}
      {open && <ImageViewer file={open} onClose={() => setOpen(null)} />}
    </div>
  );
}

/** A channel's Files list with a filter (name words, ext:, from:). */
export function ChannelFiles({ channelId }: { channelId: string }) {
  const [filter, setFilter] = useState('');
  const [q, setQ] = useState('');
  return (
    <div class="panel-scroll">
      <form
        class="pad file-filter"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(filter.trim());
        }}
      >
        <input type="search" placeholder="Filter: name, ext:pdf, from:user" aria-label="Filter files" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </form>
      <FileResults q={q} channelId={channelId} />
    </div>
  );
}
