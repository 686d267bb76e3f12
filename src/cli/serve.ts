import { Command, InvalidArgumentError } from 'commander';
import { serve as listen } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { action, configFrom, dataOptions } from './common.ts';
import { openDeps, startEmbeddedVacuum } from '../boot.ts';
import { migrate } from '../db/migrate.ts';
import { createServer } from '../server.ts';
import { createDrain } from '../http/drain.ts';
import { loadWebAssets } from '../web-assets.ts';
import { createLogger } from '../log.ts';
import { buildInfo } from '../version.ts';
import { startAdminSocket } from '../admin/index.ts';
import { collectStartupGarbage, startIdleCollector } from '../startup-gc.ts';
import { startUnattachedFileSweeper } from '../actions/files.ts';
import { createMailer } from '../mail/mailer.ts';
import { startOutboxWorker } from '../mail/worker.ts';
import { startNotificationSender } from '../actions/notification-sender.ts';
import { registerPeerWatch } from '../http/peers-metrics.ts';

export function serveCommand(): Command {
  return dataOptions(new Command('serve'))
    .description('run the HTTP API, WebSocket hub and web client')
    .option('-H, --host <host>', 'address to listen on (default 0.0.0.0)')
    .option('-p, --port <port>', 'port to listen on (default 8080)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('must be a number from 0 to 65535');
      return Number(v);
    })
    .option('--no-migrate', 'do not apply pending migrations at start')
    .action(
      action(async (opts: { config?: string; dataDir?: string; host?: string; port?: number; migrate: boolean }) => {
        const config = configFrom(opts, { 'server.host': opts.host, 'server.port': opts.port });
        const log = createLogger(config.log.level);
        const started = performance.now();
        const opened = await openDeps(config, { log });
        const { deps } = opened;
        if (opts.migrate) {
          const applied = await migrate(deps.db);
          if (applied.length) log.info('migrations applied', { versions: applied });
        }
        const app = createServer(deps, { web: loadWebAssets() });
        const server = await new Promise<Server>((resolve, reject) => {
          const s = listen({ fetch: app.app.fetch, hostname: config.server.host, port: config.server.port }, () => resolve(s as Server)) as Server;
          s.once('error', reject);
        });
        const drain = createDrain(server);
        app.injectWebSocket(server, { refuse: () => drain.draining });
        // Embedded mode: admin commands reach this process over <data_dir>/admin.sock (they cannot open the locked database).
        const adminSocket = config.database.url ? undefined : await startAdminSocket(deps);
        const addr = server.address() as AddressInfo;
        log.info('listening', {
          url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
          port: addr.port,
          database: deps.db.kind,
          version: buildInfo().version,
          startup_ms: Math.round(performance.now() - started),
        });
        // Return what start-up allocated and no longer needs to the OS (see startup-gc.ts).
        const gcTimer = setTimeout(() => {
          const rss = process.memoryUsage.rss();
          const ms = collectStartupGarbage();
          log.debug('start-up garbage collected', { gc_ms: Math.round(ms), rss_before_mb: Math.round(rss / 2 ** 20), rss_after_mb: Math.round(process.memoryUsage.rss() / 2 ** 20) });
        }, 1000);
        gcTimer.unref();
        // And after bursts (a reconnect storm), once the server has gone idle again.
        const stopIdleCollector = startIdleCollector({ onCollect: (info) => log.debug('idle garbage collected', info) });
        const stopFileSweeper = startUnattachedFileSweeper(deps);
        // Every serving process sends from the shared outbox (src/mail/worker.ts); services.close() stops it.
        startOutboxWorker(deps, { mailer: await createMailer(config, { log }) });
        // Offline mention / direct message emails, batched per the recipients' intervals (src/actions/notification-sender.ts).
        startNotificationSender(deps);
        // PostgreSQL mode: find other servers on the database that this bus does not reach (actions/peers.ts).
        if (config.database.url) registerPeerWatch(deps);
        // Embedded mode: VACUUM, which PGlite never runs by itself (boot.ts startEmbeddedVacuum).
        else startEmbeddedVacuum(deps);

        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = async (signal: string) => {
            if (stopping) return;
            stopping = true;
            clearTimeout(gcTimer);
            stopIdleCollector();
            stopFileSweeper();
            log.info('shutting down', { signal });
            // Hard deadline: whatever hangs, the process exits within 10 s.
            const deadline = setTimeout(() => {
              log.error('shutdown deadline passed; exiting');
              process.exit(1);
            }, 9500);
            deadline.unref();
            // Stop accepting; answer what is in flight with Connection: close; close idle
            // keep-alive connections; WebSockets get 1001 (src/http/drain.ts).
            const closed = drain.start();
            app.closeSockets();
            const force = setTimeout(() => drain.force(), config.server.shutdown_timeout_ms);
            await closed;
            clearTimeout(force);
            await adminSocket?.close();
            await opened.close();
            log.info('stopped');
            resolve();
          };
          process.once('SIGTERM', () => void stop('SIGTERM'));
          process.once('SIGINT', () => void stop('SIGINT'));
        });
        // Everything is closed; a handle someone forgot (a reconnect timer, a socket still in its
        // handshake) must not keep the process alive. Unref'd: a clean exit happens sooner.
        setTimeout(() => process.exit(), 200).unref();
      }),
    );
}
