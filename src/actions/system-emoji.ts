/**
 * The names of the standard (Unicode) emoji, as the Mattermost apps and Slack know them: the
 * `iamcal` shortcodes of emojibase-data (the same names as emoji-datasource, which Mattermost's
 * own table comes from: `+1`, `thumbsup`, `white_check_mark`, …). A custom emoji may not take one.
 * The web client loads the full data set (characters, categories, keywords) as a lazy chunk.
 */
import iamcal from 'emojibase-data/en/shortcodes/iamcal.json' with { type: 'json' };

let names: Set<string> | undefined;

/** Whether name is a standard emoji's name (built on first use: about 2,000 names). */
export function isSystemEmojiName(name: string): boolean {
  names ??= new Set(Object.values(iamcal as Record<string, string | string[]>).flat());
  return names.has(name);
}
