/**
 * The standard emoji, from emojibase-data (loaded as a lazy chunk, never part of the app shell):
 * the characters, categories and keywords of `compact.json` and the names of the `iamcal` set —
 * the names the Mattermost apps and Slack use (`+1`, `thumbsup`, `white_check_mark`), and the
 * ones the server refuses for custom emoji (src/actions/system-emoji.ts). Skin-tone variants are
 * stripped from the data at build time (scripts/build-web.mjs) and not offered.
 */
import compact from 'emojibase-data/en/compact.json' with { type: 'json' };
import iamcal from 'emojibase-data/en/shortcodes/iamcal.json' with { type: 'json' };

export interface SystemEmoji {
  /** The character(s). */
  char: string;
  /** Names without colons, the first the main one. */
  names: string[];
  /** Index into CATEGORIES. */
  category: number;
  /** Lower-case label and tags, for search. */
  keywords: string;
}

/** The picker's categories, in emojibase's group order (its "components" group is left out). */
export const CATEGORIES: { key: string; label: string; groups: number[] }[] = [
  { key: 'smileys-emotion', label: 'Smileys & emotion', groups: [0] },
  { key: 'people-body', label: 'People & body', groups: [1] },
  { key: 'animals-nature', label: 'Animals & nature', groups: [3] },
  { key: 'food-drink', label: 'Food & drink', groups: [4] },
  { key: 'travel-places', label: 'Travel & places', groups: [5] },
  { key: 'activities', label: 'Activities', groups: [6] },
  { key: 'objects', label: 'Objects', groups: [7] },
  { key: 'symbols', label: 'Symbols', groups: [8] },
  { key: 'flags', label: 'Flags', groups: [9] },
];

interface CompactEmoji {
  unicode: string;
  hexcode: string;
  label: string;
  group?: number;
  order?: number;
  tags?: string[];
}

const categoryOf = new Map<number, number>();
CATEGORIES.forEach((c, i) => c.groups.forEach((g) => categoryOf.set(g, i)));

const shortcodes = iamcal as Record<string, string | string[]>;

/** Every standard emoji with a name, in emojibase's order. */
export const ALL: SystemEmoji[] = (compact as CompactEmoji[])
  .filter((e) => e.group !== undefined && categoryOf.has(e.group) && shortcodes[e.hexcode])
  .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
  .map((e) => {
    const n = shortcodes[e.hexcode]!;
    return { char: e.unicode, names: Array.isArray(n) ? n : [n], category: categoryOf.get(e.group!)!, keywords: [e.label, ...(e.tags ?? [])].join(' ').toLowerCase() };
  });

/** Standard emoji by each of their names. */
export const BY_NAME = new Map<string, SystemEmoji>();
for (const e of ALL) for (const n of e.names) if (!BY_NAME.has(n)) BY_NAME.set(n, e);

/**
 * Standard emoji matching a search: a name equal to the query first, then names starting with
 * it, then names containing it, then label and keyword matches; at most `limit`.
 */
export function searchSystemEmoji(query: string, limit = 200): SystemEmoji[] {
  const q = query.trim().toLowerCase().replace(/^:|:$/g, '');
  if (!q) return [];
  const rank = (e: SystemEmoji): number => {
    let best = 9;
    for (const n of e.names) {
      if (n === q) return 0;
      if (n.startsWith(q)) best = Math.min(best, 1);
      else if (n.includes(q)) best = Math.min(best, 2);
    }
    if (best === 9 && e.keywords.includes(q)) best = 3;
    return best;
  };
  const out: [number, number, SystemEmoji][] = [];
  ALL.forEach((e, i) => {
    const r = rank(e);
    if (r < 9) out.push([r, i, e]);
  });
  return out
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, limit)
    .map((x) => x[2]);
}
