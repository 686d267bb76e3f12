/** Longest post message, in characters (Mattermost's MaxPostSize; chat core enforces it). */
export const MAX_POST_CHARS = 16383;
