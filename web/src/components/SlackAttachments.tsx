import type { ComponentChild } from 'preact';
import { useMemo } from 'preact/hooks';
import { renderMarkdown, safeUrl, type MarkdownOptions } from '../markdown.ts';
import { attachmentColor, hasBody, imageUrl, parseAttachments, type SlackAttachment } from '../slack-attachments.ts';
import { fullDate } from '../util.ts';

/** A link when the URL is http(s) or mailto, else the plain text. */
function MaybeLink({ url, class: cls, children }: { url: string | undefined; class: string; children: ComponentChild }) {
  const href = url ? safeUrl(url) : undefined;
  return href ? (
    <a class={cls} href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  ) : (
    <span class={cls}>{children}</span>
  );
}

/** An image as a link (the page's CSP loads no external images); nothing for a non-http(s) URL. */
function ImageLink({ url, label }: { url: string | undefined; label: string }) {
  const img = imageUrl(url);
  if (!img) return null;
  return (
    <a class="slack-att-image" href={img.href} target="_blank" rel="noopener noreferrer" title={img.href}>
      {label} ({img.host})
    </a>
  );
}

function Attachment({ a, md }: { a: SlackAttachment; md: MarkdownOptions }) {
  const color = attachmentColor(a.color);
  const showFallback = !hasBody(a) && a.fallback;
  const footer = [a.footer, a.ts !== undefined ? fullDate(a.ts * 1000) : undefined].filter(Boolean).join(' · ');
  return (
    <div class="slack-att">
      {a.pretext && <div class="slack-att-pretext">{renderMarkdown(a.pretext, md)}</div>}
      <div class="slack-att-box">
        <div class="slack-att-bar" style={color ? { backgroundColor: color } : undefined} aria-hidden="true" />
        <div class="slack-att-content">
          {a.author_name && (
            <div class="slack-att-author">
              <MaybeLink url={a.author_link} class="slack-att-author-name">
                {a.author_name}
              </MaybeLink>
            </div>
          )}
          {a.title && (
            <div class="slack-att-title">
              <MaybeLink url={a.title_link} class="slack-att-title-text">
                {a.title}
              </MaybeLink>
            </div>
          )}
          {a.text && <div class="slack-att-text">{renderMarkdown(a.text, md)}</div>}
          {showFallback && <div class="slack-att-text">{renderMarkdown(a.fallback!, md)}</div>}
          {a.fields.length > 0 && (
            <div class="slack-att-fields">
              {a.fields.map((f, i) => (
                <div key={i} class={f.short ? 'slack-att-field short' : 'slack-att-field'}>
                  {f.title && <div class="slack-att-field-title">{f.title}</div>}
                  {f.value && <div class="slack-att-field-value">{renderMarkdown(f.value, md)}</div>}
                </div>
              ))}
            </div>
          )}
          {(a.image_url || a.thumb_url) && (
            <div class="slack-att-images">
              <ImageLink url={a.image_url} label="Image" />
              {a.thumb_url !== a.image_url && <ImageLink url={a.thumb_url} label="Thumbnail" />}
            </div>
          )}
          {footer && <div class="slack-att-footer small muted">{footer}</div>}
        </div>
      </div>
    </div>
  );
}

/**
 * A post's Slack-style attachments (`props.attachments`: webhooks, slash-command answers), drawn
 * like Mattermost: pretext, then a block with a colour bar holding author, title, text, fields (short
 * ones two to a row), image links and footer with the time. Text uses the messages' Markdown.
 */
export function SlackAttachments({ props, md }: { props: unknown; md: MarkdownOptions }) {
  const list = useMemo(() => parseAttachments(props), [props]);
  if (!list.length) return null;
  return (
    <div class="slack-atts">
      {list.map((a, i) => (
        <Attachment key={i} a={a} md={md} />
      ))}
    </div>
  );
}
