/**
 * Response bodies of the native API (docs/api/*.md) that are more than one object of
 * objects.ts. Types only: the web client imports this module.
 */
import type { Channel, ChannelMember, Post, Team, TeamMember, Unread, UnreadTotals, User } from './objects.ts';

/** A cursor page: pass `next_cursor` back as `cursor` (or `before`) for the next one; null at the end. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** One of my channels: the channel, my membership and my unread counts (GET /channels, /teams/:id/channels). */
export type MyChannel = Channel & { member: ChannelMember; unread: Unread };

/** GET /teams/:id/channels: my channels there plus my direct and group channels, with totals. */
export interface MyTeamChannels extends Page<MyChannel> {
  team: UnreadTotals & { team_id: string };
  direct: UnreadTotals;
}

/** GET /channels/unreads. */
export interface Unreads {
  channels: Unread[];
  teams: (UnreadTotals & { team_id: string })[];
  direct: UnreadTotals;
}

/** GET /teams items and POST /teams: a team of mine with my membership. */
export type MyTeam = Team & { member: TeamMember };

/** GET /posts/:id/thread: the root and a page of its replies, oldest first. */
export interface Thread extends Page<Post> {
  root: Post;
}

/** GET /search. */
export interface SearchResults extends Page<Post> {
  /** The words each post matched, by post id (for highlighting). */
  matches: Record<string, string[]>;
  terms: string[];
}

/** POST /channels/:id/read. */
export interface ReadResult {
  member: ChannelMember;
  unread: Unread;
}

/** POST /auth/login and /auth/register. */
export interface Login {
  token: string;
  user: User;
}
