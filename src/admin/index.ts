/**
 * The admin-socket entry point: importing this module registers every admin operation.
 * Subsystems with operations (users here; backups) add one import line below.
 */
import './user-ops.ts';
import './integration-ops.ts';
import '../backup/ops.ts';

export { startAdminSocket, registerAdminOp, AdminStream, callAdmin, callAdminRaw, AdminUnavailableError } from './socket.ts';
export { runAdminOp, openLocalDeps } from './run.ts';
