import { badRequest } from '../errors.ts';
import { checkPassword } from './passwords.ts';
import type { AuthSettings } from './auth-settings.ts';

/**
 * The password policy admins set (docs/auth.md): minimum length, character classes, and a check
 * against a bundled list of common passwords. It applies to passwords people choose (sign-up,
 * change, an admin's given password); generated passwords (20 random characters, ~117 bits) are
 * exempt. The hard bounds of `checkPassword` (8–72 bytes, no NUL) always apply.
 */
export type PasswordPolicy = Pick<
  AuthSettings,
  'password_min_length' | 'password_require_lowercase' | 'password_require_uppercase' | 'password_require_number' | 'password_require_symbol' | 'password_check_breached'
>;

const CLASSES = [
  ['lowercase', 'password_require_lowercase', /\p{Ll}/u, 'a lower-case letter'],
  ['uppercase', 'password_require_uppercase', /\p{Lu}/u, 'an upper-case letter'],
  ['number', 'password_require_number', /\p{N}/u, 'a digit'],
  ['symbol', 'password_require_symbol', /[^\p{L}\p{N}]/u, 'a symbol (neither a letter nor a digit)'],
] as const;

let common: Promise<Set<string>> | undefined;

/**
 * The common-password list: zxcvbn-ts's `passwords-common` dictionary (npm
 * `@zxcvbn-ts/language-common`, MIT; ~49,000 passwords ranked by frequency in public breach
 * corpora). Only entries of 8+ bytes can matter (shorter ones fail the length rule), about
 * 18,000, kept lower-cased. Loaded at the first check (in the executable a separate chunk).
 */
export function commonPasswords(): Promise<Set<string>> {
  common ??= import('@zxcvbn-ts/language-common').then((m) => {
    const mod = ((m as { default?: unknown }).default ?? m) as { dictionary: Record<string, string[]> };
    const list = mod.dictionary['passwords-common'] ?? [];
    return new Set(list.filter((p) => Buffer.byteLength(p) >= 8).map((p) => p.toLowerCase()));
  });
  return common;
}

/** Throws 400 with a stable code when a chosen password breaks the policy. */
export async function checkPasswordPolicy(policy: PasswordPolicy, password: string, who: { username?: string; email?: string } = {}): Promise<void> {
  checkPassword(password);
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < policy.password_min_length) {
    throw badRequest('password_too_short', `Password must be at least ${policy.password_min_length} bytes (UTF-8); got ${bytes}`, { min_bytes: policy.password_min_length, bytes });
  }
  const missing = CLASSES.filter(([, key, re]) => policy[key] && !re.test(password));
  if (missing.length) {
    throw badRequest('password_too_simple', `Password must contain ${missing.map((c) => c[3]).join(', ')}`, { missing: missing.map((c) => c[0]) });
  }
  const lower = password.toLowerCase();
  const local = who.email?.split('@')[0]?.toLowerCase();
  // The password without the username (or the email's local part) must still be long enough:
  // "alice2024" is refused for alice, "alice in wonderland at tea" is not.
  for (const name of [who.username?.toLowerCase(), local]) {
    if (name && name.length >= 3 && lower.includes(name) && Buffer.byteLength(lower.split(name).join(''), 'utf8') < policy.password_min_length) {
      throw badRequest('password_contains_name', 'Password is mostly your username or email address; choose another');
    }
  }
  if (policy.password_check_breached && (await commonPasswords()).has(lower)) {
    throw badRequest('password_breached', 'This password is one of the most common passwords and is easy to guess; choose another');
  }
}
