import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuthDuringMfaSetup } from '../middleware.ts';
import { readJson } from '../validate.ts';
import { confirmMfaEnrolment, disableMfa, mfaStatus, regenerateRecoveryCodes, startMfaEnrolment } from '../../actions/mfa.ts';

const CodeBody = z.object({ code: z.string().max(64) });
const OptionalCode = z.object({ code: z.string().max(64).optional() });

/** `/api/v1/auth/mfa`: the caller's own TOTP enrolment (docs/api/auth.md). Usable while enrolment is required. */
export function mfaRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuthDuringMfaSetup);
  r.get('/', async (c) => c.json(await mfaStatus(c.get('deps'), c.get('auth'))));
  r.post('/generate', async (c) => {
    c.header('Cache-Control', 'no-store');
    const { secret, uri, qr_code_svg } = await startMfaEnrolment(c.get('deps'), c.get('auth'));
    return c.json({ secret, uri, qr_code: qr_code_svg });
  });
  r.post('/confirm', async (c) => {
    const body = await readJson(c, CodeBody);
    c.header('Cache-Control', 'no-store');
    return c.json(await confirmMfaEnrolment(c.get('deps'), c.get('auth'), body.code, clientIp(c)));
  });
  r.post('/disable', async (c) => {
    const body = await readJson(c, OptionalCode);
    return c.json(await disableMfa(c.get('deps'), c.get('auth'), body.code, clientIp(c)));
  });
  r.post('/recovery-codes', async (c) => {
    const body = await readJson(c, OptionalCode);
    c.header('Cache-Control', 'no-store');
    return c.json(await regenerateRecoveryCodes(c.get('deps'), c.get('auth'), body.code, clientIp(c)));
  });
  return r;
}
