-- Identity: multi-factor authentication (TOTP) and single sign-on (OpenID Connect).

-- Whether the account has confirmed TOTP enrolment (presented to the user and admins as
-- mfa_active). The secret itself lives in user_mfa, so `select * from users` never carries it.
alter table users add column mfa_active boolean not null default false;
-- '' for accounts made with a password; 'openid' for accounts made by an SSO login. Linked
-- accounts keep ''. Shown to the Mattermost apps as auth_service.
alter table users add column auth_service text not null default '';

-- One TOTP secret per account: pending until confirmed with a code (users.mfa_active).
create table user_mfa (
  user_id text primary key references users(id) on delete cascade,
  secret text not null,                      -- base32 (RFC 4648), 160 bits
  last_step bigint not null default 0,       -- last accepted time step: a code is accepted once (RFC 6238 §5.2)
  create_at bigint not null,
  confirm_at bigint not null default 0
);

-- Single-use recovery codes, stored as SHA-256 of the normalised code (they are random, 50 bits).
create table mfa_recovery_codes (
  user_id text not null references users(id) on delete cascade,
  code_hash text not null,
  create_at bigint not null,
  used_at bigint not null default 0,
  primary key (user_id, code_hash)
);

-- Accounts linked to an identity provider's subject. (issuer, subject) is the stable key: a
-- changed email at the provider still reaches the same account.
create table user_identities (
  issuer text not null,
  subject text not null,
  user_id text not null references users(id) on delete cascade,
  email text not null default '',
  create_at bigint not null,
  last_login_at bigint not null,
  primary key (issuer, subject)
);
create index user_identities_user_idx on user_identities (user_id);
