-- Team invitations by email. The token in the emailed link is 256 random bits; only its SHA-256
-- is stored, so a copy of this table admits nobody. Single use (used_at), 48 hours (as Mattermost).
-- A token admits its holder to the team even when open sign-up is off: signing up with it creates
-- an account for the invited address only.
create table team_invites (
  token_hash text primary key,
  team_id text not null references teams(id) on delete cascade,
  email text not null,
  inviter_id text not null references users(id) on delete cascade,
  create_at bigint not null,
  expires_at bigint not null,
  used_at bigint not null default 0,
  used_by text not null default ''
);
create index team_invites_team_idx on team_invites (team_id);
