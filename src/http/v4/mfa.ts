import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp } from '../middleware.ts';
import { readJson } from '../validate.ts';
import { badRequest, forbidden } from '../../errors.ts';
import { confirmMfaEnrolment, disableMfa, loginIdNeedsMfa, startMfaEnrolment } from '../../actions/mfa.ts';
import { mmJson, mmOk } from './respond.ts';

/** Mattermost's MFA routes (api4/user.go) over the same actions as /api/v1/auth/mfa. */

/** `POST /users/mfa {login_id}` → `{mfa_required}`: whether the login screen must ask for a code. */
export function mfaPublicRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/users/mfa', async (c) => {
    const body = await readJson(c, z.object({ login_id: z.string().max(256) }));
    return mmJson(c, { mfa_required: await loginIdNeedsMfa(c.get('deps'), body.login_id) });
  });
  return r;
}

/** Only the caller's own MFA (an admin resets others' with `rustchat user mfa-reset` or the console). */
function self(c: Context<AppEnv>) {
  const uid = c.req.param('uid');
  if (uid !== 'me' && uid !== c.get('auth').user.id) throw forbidden('forbidden', 'You can only change your own multi-factor authentication');
}

export function mfaRoutes() {
  const r = new Hono<AppEnv>();
  // → {secret, qr_code}: qr_code is a PNG in base64, as the Mattermost web app shows it.
  r.post('/users/:uid/mfa/generate', async (c) => {
    self(c);
    const { secret, qr_code_png } = await startMfaEnrolment(c.get('deps'), c.get('auth'));
    return mmJson(c, { secret, qr_code: qr_code_png }, 200, { 'Cache-Control': 'no-store' });
  });
  // {activate: true, code} confirms enrolment; {activate: false, code} turns MFA off (RustChat asks
  // for a current code or a recovery code there too, so a stolen session cannot remove it).
  r.put('/users/:uid/mfa', async (c) => {
    self(c);
    const body = await readJson(c, z.object({ activate: z.boolean(), code: z.string().max(64).optional() }));
    const deps = c.get('deps');
    if (body.activate) {
      if (!body.code) throw badRequest('invalid_input', 'code is required to activate multi-factor authentication');
      await confirmMfaEnrolment(deps, c.get('auth'), body.code, clientIp(c));
    } else {
      await disableMfa(deps, c.get('auth'), body.code, clientIp(c));
    }
    return mmOk(c);
  });
  return r;
}
