/**
 * The admin-socket entry point: importing this module registers every admin operation.
 * Each group of operations is a module beside it (users, integrations, backups): add one import line below.
 */
import './user-ops.ts';
import './integration-ops.ts';
import './backup-ops.ts';

export { startAdminSocket, registerAdminOp, AdminStream, callAdmin, callAdminRaw, AdminUnavailableError } from './socket.ts';
export { runAdminOp, openLocalDeps } from './run.ts';
