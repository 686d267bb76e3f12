import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { activeUserCount } from '../../actions/users.ts';
import { buildInfo } from '../../version.ts';
import { siteSettings } from '../../actions/settings.ts';
import { authSettings } from '../../actions/auth-settings.ts';
import { emailSettings } from '../../actions/email-settings.ts';
import { integrationSettings } from '../../actions/integration-settings.ts';
import { ssoEnabled } from '../../actions/oidc-config.ts';
import { MM_COMPAT_VERSION, mmJson, mmOk } from './respond.ts';
import { optionalAuth } from './auth.ts';
import { MAX_MESSAGE_CHARS } from '../../actions/posts.ts';
import { ackPush, canReceiveNotifications, pushSigningPublicKey } from '../../actions/push-devices.ts';
import { readJson } from '../validate.ts';
import { z } from 'zod';

const bool = (v: boolean) => (v ? 'true' : 'false');

/**
 * The flat "old format" client configuration anyone may read, before login too: Mattermost's
 * limited config (config/client.go, GenerateLimitedClientConfig) — what the login screen needs.
 * Values are strings, as in Mattermost, and come from the real configuration: a feature RustChat
 * lacks is reported off so the apps hide it instead of calling a 501. Runtime settings are read
 * from the per-process caches (setting-group.ts; no query on a hit): the apps fetch this often.
 */
export async function limitedClientConfig(deps: Deps): Promise<Record<string, string>> {
  const b = buildInfo();
  const cfg = deps.config;
  // Site name and open sign-up can be changed at runtime by admins (site_settings).
  const site = await siteSettings(deps);
  const auth = await authSettings(deps);
  const integrations = await integrationSettings(deps);
  return {
    Version: MM_COMPAT_VERSION,
    BuildNumber: b.version,
    BuildDate: b.build_date,
    BuildHash: b.commit,
    BuildHashEnterprise: 'none',
    BuildEnterpriseReady: 'false',
    SiteName: site.site_name,
    SiteURL: cfg.server.site_url,
    DiagnosticId: '',
    DiagnosticsEnabled: 'false',
    TelemetryId: '',
    EnableSignUpWithEmail: bool(site.open_signup),
    EnableOpenServer: bool(site.open_signup),
    EnableSignInWithEmail: 'true',
    EnableSignInWithUsername: 'true',
    EnableMultifactorAuthentication: bool(auth.mfa !== 'off'),
    EnforceMultifactorAuthentication: bool(auth.mfa === 'required'),
    EnableLdap: 'false',
    EnableSaml: 'false',
    EnableSignUpWithGitLab: 'false',
    EnableSignUpWithGoogle: 'false',
    EnableSignUpWithOffice365: 'false',
    EnableSignUpWithOpenId: bool(ssoEnabled(cfg)),
    OpenIdButtonText: cfg.oidc.button_text,
    OpenIdButtonColor: '',
    EnableGuestAccounts: 'false',
    PasswordMinimumLength: String(auth.password_min_length),
    PasswordRequireLowercase: bool(auth.password_require_lowercase),
    PasswordRequireUppercase: bool(auth.password_require_uppercase),
    PasswordRequireNumber: bool(auth.password_require_number),
    PasswordRequireSymbol: bool(auth.password_require_symbol),
    EmailLoginButtonColor: '',
    EnableCustomEmoji: String(cfg.site.custom_emoji),
    // Mattermost carries this one before login too.
    EnableBotAccountCreation: bool(integrations.enable_bot_accounts),
    NoAccounts: 'false',
    FeatureFlagCollapsedThreads: bool(cfg.site.collapsed_threads !== 'disabled'),
    // The apps verify each push's signature with this key (docs/admin.md, "Mobile push").
    ...(cfg.push.proxy_url ? { AsymmetricSigningPublicKey: await pushSigningPublicKey(deps) } : {}),
  };
}

/**
 * The client configuration of a signed-in user: the limited keys and Mattermost's full config
 * (GenerateClientConfig). The integration switches (integrations.*, an admin's runtime settings)
 * decide what the apps show: the integrations menus, custom slash commands, and whether a
 * webhook's or command's post shows its override_username / override_icon_url.
 */
export async function clientConfig(deps: Deps): Promise<Record<string, string>> {
  const cfg = deps.config;
  const auth = await authSettings(deps);
  const email = await emailSettings(deps);
  const integrations = await integrationSettings(deps);
  return {
    ...(await limitedClientConfig(deps)),
    EnableUserTypingMessages: 'true',
    EnableChannelViewedMessages: 'true',
    EnableUserStatuses: 'true',
    EnableFileAttachments: 'true',
    EnableMobileFileUpload: 'true',
    EnableMobileFileDownload: 'true',
    EnablePublicLink: 'false',
    MaxFileSize: String(cfg.files.max_upload_bytes),
    MaxPostSize: String(MAX_MESSAGE_CHARS),
    CollapsedThreads: cfg.site.collapsed_threads,
    ExperimentalEnablePostMetadata: 'true',
    EnableLinkPreviews: 'false',
    EnablePermalinkPreviews: 'false',
    EnableEmojiPicker: 'true',
    EnableCommands: bool(integrations.enable_commands),
    // Gone from Mattermost's config (permissions replaced it) but read by older apps.
    EnableOnlyAdminIntegrations: bool(!integrations.members_manage_integrations),
    EnableIncomingWebhooks: bool(integrations.enable_incoming_webhooks),
    EnableOutgoingWebhooks: bool(integrations.enable_outgoing_webhooks),
    EnablePostUsernameOverride: bool(integrations.enable_post_username_override),
    EnablePostIconOverride: bool(integrations.enable_post_icon_override),
    EnableUserAccessTokens: bool(integrations.personal_access_tokens !== 'off'),
    EnableTutorial: 'false',
    EnableOnboardingFlow: 'false',
    EnableConfirmNotificationsToChannel: 'true',
    ExperimentalTownSquareIsReadOnly: 'false',
    ExperimentalChannelOrganization: 'false',
    AllowEditPost: 'always',
    PostEditTimeLimit: '-1',
    RestrictDirectMessage: 'any',
    TeammateNameDisplay: 'username',
    ShowEmailAddress: 'false',
    ShowFullName: 'true',
    EnableTesting: 'false',
    EnableDeveloper: 'false',
    EnablePreviewFeatures: 'false',
    DataRetentionEnableMessageDeletion: 'false',
    DataRetentionEnableFileDeletion: 'false',
    ExtendSessionLengthWithActivity: 'true',
    SessionLengthMobileInHours: String(auth.session_lifetime_mobile_days * 24),
    SessionLengthWebInHours: String(auth.session_lifetime_days * 24),
    // Off: the apps hide the email notification preference (email.send_notifications).
    SendEmailNotifications: bool(email.send_notifications),
    SendPushNotifications: bool(!!cfg.push.proxy_url),
  };
}

export function systemRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/system/ping', async (c) => {
    const body: Record<string, unknown> = {
      status: 'OK',
      ActiveSearchBackend: 'database',
      AndroidLatestVersion: '',
      AndroidMinVersion: '',
      IosLatestVersion: '',
      IosMinVersion: '',
    };
    if (c.req.query('get_server_status') === 'true') {
      try {
        await c.get('deps').db.query('select 1');
        body.database_status = 'OK';
      } catch {
        body.database_status = 'UNHEALTHY';
        body.status = 'UNHEALTHY';
        return mmJson(c, body, 500);
      }
      body.filestore_status = 'OK';
    }
    // The apps check the push proxy with their device (a test push, as Mattermost sends).
    const deviceId = c.req.query('device_id');
    if (deviceId) body.CanReceiveNotifications = await canReceiveNotifications(c.get('deps'), deviceId);
    return mmJson(c, body);
  });
  r.get('/config/client', async (c) => {
    if (c.req.query('format') !== 'old') throw new AppError(501, 'not_implemented', 'Only format=old is supported');
    // As Mattermost: the full config with a session, the limited one without (or with a dead token).
    const deps = c.get('deps');
    return mmJson(c, (await optionalAuth(c)) ? await clientConfig(deps) : await limitedClientConfig(deps));
  });
  // Plugins RustChat has none of; the apps ask at start-up (calls, AI agents) and carry on.
  r.get('/plugins/webapp', (c) => mmJson(c, []));
  r.get('/license/client', (c) => {
    if (c.req.query('format') !== 'old') throw new AppError(501, 'not_implemented', 'Only format=old is supported');
    return mmJson(c, { IsLicensed: 'false' });
  });
  return r;
}

/** System routes that need a session. */
export function systemSessionRoutes() {
  const r = new Hono<AppEnv>();
  // No user or history limits (Mattermost's answer for an unlimited server); the web app asks at start-up.
  // The app's receipt of a push; for an id_loaded push, the answer is the notification's content.
  r.post('/notifications/ack', async (c) => {
    const body = await readJson(c, z.record(z.string(), z.unknown()));
    const content = await ackPush(c.get('deps'), c.get('auth'), body);
    return content ? mmJson(c, content) : mmOk(c);
  });
  r.get('/limits/server', async (c) => mmJson(c, { activeUserCount: await activeUserCount(c.get('deps')), maxUsersLimit: 0, maxUsersHardLimit: 0, lastAccessiblePostTime: 0, postHistoryLimit: 0 }));
  return r;
}
