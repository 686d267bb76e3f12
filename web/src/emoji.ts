/** The reaction picker's common emoji, by Mattermost name. Unknown names render as :name:. */
export const EMOJI: Record<string, string> = {
  '+1': '👍',
  '-1': '👎',
  smile: '😄',
  laughing: '😆',
  joy: '😂',
  heart: '❤️',
  tada: '🎉',
  eyes: '👀',
  rocket: '🚀',
  fire: '🔥',
  white_check_mark: '✅',
  thinking_face: '🤔',
  pray: '🙏',
  clap: '👏',
  ok_hand: '👌',
  cry: '😢',
  open_mouth: '😮',
  wave: '👋',
  100: '💯',
  heavy_plus_sign: '➕',
};
export const PICKER = ['+1', 'heart', 'joy', 'tada', 'eyes', 'rocket', 'white_check_mark', 'fire', 'smile', 'thinking_face', 'pray', 'clap', '-1', 'cry', 'open_mouth', 'wave'];
export const emojiChar = (name: string) => EMOJI[name] ?? `:${name}:`;
