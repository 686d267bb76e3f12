/**
 * Email templates: each message as plain text and as simple HTML (inline styles, no remote images,
 * no scripts), with the site name and links on the site's public URL. Everything that came from
 * a user is escaped in the HTML part.
 */
export interface Site {
  name: string;
  /** Public origin without a trailing slash (server.site_url, or the request's origin); '' when unknown. */
  url: string;
}

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** One piece of a message body. */
export type Block =
  | { p: string }
  | { button: { label: string; url: string } }
  | { quote: { who: string; when?: string; text: string } }
  | { heading: string };

/** Lays blocks out as text and as HTML, under the site name, with a footer. */
export function layout(site: Site, subject: string, blocks: Block[], footer: string): Rendered {
  const text: string[] = [];
  const html: string[] = [];
  for (const b of blocks) {
    if ('p' in b) {
      text.push(b.p, '');
      html.push(`<p style="margin:0 0 16px">${escapeHtml(b.p)}</p>`);
    } else if ('heading' in b) {
      text.push(b.heading, '-'.repeat(Math.min(60, b.heading.length)), '');
      html.push(`<h3 style="margin:24px 0 8px;font-size:15px">${escapeHtml(b.heading)}</h3>`);
    } else if ('button' in b) {
      text.push(`${b.button.label}: ${b.button.url}`, '');
      html.push(
        `<p style="margin:0 0 16px"><a href="${escapeHtml(b.button.url)}" style="display:inline-block;padding:10px 18px;background:#1c58d9;color:#ffffff;text-decoration:none;border-radius:4px">${escapeHtml(b.button.label)}</a></p>`,
        `<p style="margin:0 0 16px;font-size:12px;color:#666666">${escapeHtml(b.button.url)}</p>`,
      );
    } else {
      const q = b.quote;
      text.push(`${q.who}${q.when ? ` (${q.when})` : ''}:`, ...q.text.split('\n').map((l) => `> ${l}`), '');
      html.push(
        `<div style="margin:0 0 12px;padding:8px 12px;border-left:3px solid #cccccc"><div style="font-weight:bold">${escapeHtml(q.who)}${q.when ? ` <span style="font-weight:normal;color:#666666">${escapeHtml(q.when)}</span>` : ''}</div><div style="white-space:pre-wrap">${escapeHtml(q.text)}</div></div>`,
      );
    }
  }
  text.push('-- ', footer);
  const body = html.join('\n');
  return {
    subject,
    text: text.join('\n') + '\n',
    html: `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f4;font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#222222">
<div style="max-width:560px;margin:0 auto;background:#ffffff;padding:24px;border-radius:6px">
<div style="font-size:18px;font-weight:bold;margin:0 0 20px">${escapeHtml(site.name)}</div>
${body}
<p style="margin:24px 0 0;font-size:12px;color:#888888">${escapeHtml(footer)}</p>
</div></body></html>
`,
  };
}

const siteRef = (site: Site) => (site.url ? `${site.name} (${site.url})` : site.name);

export function passwordResetEmail(site: Site, o: { username: string; link: string; expiresMinutes: number }): Rendered {
  return layout(
    site,
    `[${site.name}] Reset your password`,
    [
      { p: `Hello ${o.username},` },
      { p: `Someone asked to reset the password of your account on ${siteRef(site)}. To choose a new password, open this link within ${o.expiresMinutes} minutes:` },
      { button: { label: 'Reset password', url: o.link } },
      { p: 'The link works once. Resetting the password signs you out everywhere. If you did not ask for this, ignore this email: your password stays as it is.' },
    ],
    `You received this email because a password reset was requested on ${site.name}.`,
  );
}

export function inviteEmail(site: Site, o: { inviter: string; team: string; link: string; expiresHours: number }): Rendered {
  return layout(
    site,
    `[${site.name}] ${o.inviter} invited you to join ${o.team}`,
    [
      { p: `${o.inviter} invited you to join the team ${o.team} on ${siteRef(site)}.` },
      { button: { label: 'Join the team', url: o.link } },
      { p: `The link works once, for ${o.expiresHours} hours. Without an account you can create one with this link; with one, sign in and the link adds you to the team.` },
    ],
    `You received this email because ${o.inviter} invited this address on ${site.name}. If you did not expect it, ignore it.`,
  );
}

/** One channel's part of a notification email. */
export interface NotificationGroup {
  /** "Direct message from Ada", "Group message", "~Town Square". */
  title: string;
  link: string;
  posts: { who: string; when: string; text: string }[];
}

/**
 * Mentions and direct messages that arrived while the recipient was away, grouped per channel
 * (one group, one channel, when the interval is "immediately" and one post came in).
 */
export function notificationEmail(site: Site, o: { username: string; subject: string; groups: NotificationGroup[] }): Rendered {
  const blocks: Block[] = [{ p: `Hello ${o.username}, this came in while you were away:` }];
  for (const g of o.groups) {
    blocks.push({ heading: g.title });
    for (const p of g.posts) blocks.push({ quote: { who: p.who, when: p.when, text: p.text } });
    blocks.push({ button: { label: 'Open in ' + site.name, url: g.link } });
  }
  return layout(
    site,
    o.subject,
    blocks,
    `You receive these emails for mentions and direct messages while you are away. Change how often (or turn them off) in ${site.name} under Settings > Notifications; mute a channel to stop them for it.`,
  );
}

export function testEmail(site: Site, o: { sentAt: string }): Rendered {
  return layout(
    site,
    `[${site.name}] Test email`,
    [{ p: `This is a test email from ${siteRef(site)}, sent at ${o.sentAt}.` }, { p: 'If you can read it, outgoing email works.' }],
    `Sent by rustchat email test.`,
  );
}
