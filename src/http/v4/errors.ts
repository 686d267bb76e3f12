import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { AppError } from '../../errors.ts';
import { mmHeaders } from './respond.ts';

/**
 * Mattermost error ids for our stable AppError codes. The Mattermost apps mostly switch on the
 * status; a few ids matter to them (session_expired logs the user out, the login ids pick the
 * message shown). Codes not listed fall back to a generic id for their status.
 */
const IDS: Record<string, string> = {
  unauthorized: 'api.context.session_expired.app_error',
  invalid_token: 'api.context.session_expired.app_error',
  session_expired: 'api.context.session_expired.app_error',
  session_revoked: 'api.context.session_expired.app_error',
  user_inactive: 'api.user.login.inactive.app_error',
  invalid_credentials: 'api.user.login.invalid_credentials_email_username',
  csrf_failed: 'api.context.session_expired.app_error',
  forbidden: 'api.context.permissions.app_error',
  channel_archived: 'api.post.create_post.can_not_post_to_deleted.error',
  signup_disabled: 'api.user.create_user.signup_email_disabled.app_error',
  invalid_json: 'api.context.invalid_body_param.app_error',
  invalid_input: 'api.context.invalid_body_param.app_error',
  invalid_characters: 'api.context.invalid_body_param.app_error',
  invalid_id: 'api.context.invalid_url_param.app_error',
  invalid_param: 'api.context.invalid_url_param.app_error',
  message_too_long: 'model.post.is_valid.msg.app_error',
  channel_not_found: 'app.channel.get.existing.app_error',
  team_not_found: 'app.team.get.find.app_error',
  user_not_found: 'app.user.missing_account.const',
  // Mattermost's own add-member paths have no such check; the id is ours, in its style.
  user_deactivated: 'app.member.add.user_deactivated.app_error',
  post_not_found: 'app.post.get.app_error',
  file_not_found: 'app.file_info.get.app_error',
  reaction_not_found: 'app.reaction.get_for_post.app_error',
  username_taken: 'app.user.save.username_exists.app_error',
  email_taken: 'app.user.save.email_exists.app_error',
  team_name_taken: 'app.team.save.existing.app_error',
  invalid_team_type: 'model.team.is_valid.type.app_error',
  channel_name_taken: 'store.sql_channel.save_channel.exists.app_error',
  body_too_large: 'api.context.request_body_too_large.app_error',
  file_too_large: 'api.file.upload_file.too_large_detailed.app_error',
  rate_limited: 'api.context.rate_limit.app_error',
  route_not_found: 'api.context.404.app_error',
  not_implemented: 'api.context.not_implemented.app_error',
  internal_error: 'api.context.internal_error.app_error',
  push_disabled: 'api.push_notification.disabled.app_error',
  invalid_device_id: 'api.context.invalid_param.app_error',
  // Multi-factor authentication: the apps show their code screen on the first id.
  mfa_required: 'mfa.validate_token.authenticate.app_error',
  invalid_mfa_code: 'api.user.check_user_mfa.bad_code.app_error',
  mfa_code_reused: 'api.user.check_user_mfa.bad_code.app_error',
  mfa_setup_required: 'api.context.mfa_required.app_error',
  mfa_disabled: 'mfa.mfa_disabled.app_error',
  mfa_already_active: 'api.user.update_mfa.already_active.app_error',
  mfa_enforced: 'api.user.update_mfa.enforced.app_error',
  password_login_disabled: 'api.user.login.use_auth_service.app_error',
  email_domain_not_allowed: 'api.user.create_user.accepted_domain.app_error',
  password_too_short: 'model.user.is_valid.pwd.app_error',
  password_too_simple: 'model.user.is_valid.pwd.app_error',
  password_breached: 'model.user.is_valid.pwd.app_error',
  password_contains_name: 'model.user.is_valid.pwd.app_error',
  // Integrations.
  access_tokens_disabled: 'app.user_access_token.disabled',
  token_not_found: 'app.user_access_token.get_by_user.app_error',
  incoming_webhooks_disabled: 'web.incoming_webhook.disabled.app_error',
  outgoing_webhooks_disabled: 'api.outgoing_webhook.disabled.app_error',
  commands_disabled: 'api.command.disabled.app_error',
  webhook_not_found: 'web.incoming_webhook.invalid.app_error',
  webhook_invalid_payload: 'web.incoming_webhook.parse.app_error',
  webhook_text_missing: 'web.incoming_webhook.text.app_error',
  webhook_channel_locked: 'web.incoming_webhook.channel_locked.app_error',
  webhook_user_not_found: 'web.incoming_webhook.user.app_error',
  webhook_channel_not_found: 'web.incoming_webhook.channel.app_error',
  invalid_attachments: 'web.incoming_webhook.parse.app_error',
  bots_disabled: 'api.bot.create_disabled',
  bot_not_found: 'store.sql_bot.get.missing.app_error',
  command_not_found: 'api.command.execute_command.not_found.app_error',
  integration_user_inactive: 'web.incoming_webhook.user.app_error',
  integration_no_permission: 'web.incoming_webhook.permissions.app_error',
  command_webhook_not_found: 'app.command_webhook.get.missing',
  command_webhook_expired: 'app.command_webhook.try_use.invalid',
  command_webhook_invalid: 'app.command_webhook.handle_command_webhook.parse',
  invalid_reset_token: 'api.user.reset_password.invalid_link.app_error',
  reset_token_expired: 'api.user.reset_password.link_expired.app_error',
  invalid_email: 'api.user.create_user.invalid_email.app_error',
  invalid_invite_token: 'api.user.create_user.signup_link_invalid.app_error',
  invite_token_expired: 'api.user.create_user.signup_link_expired.app_error',
  invite_email_mismatch: 'api.user.create_user.signup_link_invalid.app_error',
  // Custom emoji.
  custom_emoji_disabled: 'api.emoji.disabled.app_error',
  emoji_not_found: 'app.emoji.get.no_result',
  emoji_name_taken: 'api.emoji.create.duplicate.app_error',
  emoji_other_user: 'api.emoji.create.other_user.app_error',
  emoji_too_large: 'api.emoji.create.too_large.app_error',
  invalid_emoji_image: 'api.emoji.upload.image.app_error',
  emoji_image_too_large: 'api.emoji.upload.large_image.too_large.app_error',
  system_emoji_name: 'model.emoji.system_emoji_name.app_error',
  too_many_names: 'api.emoji.get_multiple_by_name_too_many.request_error',
};

/** Statuses where Mattermost's differ from ours (the apps may check both). */
const STATUS: Record<string, number> = {
  // A login without the code the account needs: Mattermost answers 400 with the id above.
  mfa_required: 400,
  // Mattermost answers every emoji route with 501 while custom emoji are off.
  custom_emoji_disabled: 501,
};

const BY_STATUS: Record<number, string> = {
  400: 'api.context.invalid_param.app_error',
  401: 'api.context.session_expired.app_error',
  403: 'api.context.permissions.app_error',
  404: 'api.context.404.app_error',
  409: 'api.context.conflict.app_error',
  413: 'api.context.request_body_too_large.app_error',
  429: 'api.context.rate_limit.app_error',
  501: 'api.context.not_implemented.app_error',
  503: 'api.context.unavailable.app_error',
};

/** The Mattermost error id for an AppError code and status. */
export function mmErrorId(code: string, status: number): string {
  return IDS[code] ?? BY_STATUS[status] ?? `api.context.${code}.app_error`;
}

/**
 * Mattermost renders conflicts (duplicate names) as 400; the apps only know its statuses.
 * Everything else keeps our status.
 */
function mmStatus(err: AppError): number {
  return STATUS[err.code] ?? (err.status === 409 ? 400 : err.status);
}

/** Renders any error in Mattermost's shape: `{id, message, detailed_error, request_id, status_code}`. */
export function renderMmError(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? '';
  let status = 500;
  let id = IDS.internal_error;
  let message = 'An internal error occurred.';
  const extra: Record<string, string> = {};
  if (err instanceof AppError) {
    status = mmStatus(err);
    id = mmErrorId(err.code, err.status);
    message = err.message;
    if (err.status === 429) {
      const retry = (err.details as { retry_after?: number } | undefined)?.retry_after;
      if (retry) extra['Retry-After'] = String(retry);
    }
  } else {
    c.get('deps')?.log.error('unhandled error', { err, request_id: requestId, path: c.req.path });
  }
  const body = { id, message, detailed_error: '', request_id: requestId, status_code: status };
  return new Response(JSON.stringify(body), { status, headers: mmHeaders(c, extra) });
}

/** The answer to any v4 route RustChat does not implement: 501 in Mattermost's shape. */
export function notImplemented(method: string, path: string): AppError {
  return new AppError(501, 'not_implemented', `RustChat does not implement ${method} ${path}`);
}
