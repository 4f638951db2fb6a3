export { DatabaseModule } from './database.module.js';
export { DATABASE } from './database.tokens.js';
export { AdvisoryLockService, lockKey } from './advisory-lock.service.js';
export { UnitOfWork, Transaction, managerFor } from './transactional.js';
export { GroupCommit, type GroupCommitOptions } from './group-commit.js';
export { DatabaseHealth } from './database.health.js';
export { openDatabase, DatabaseUnavailableError, type OpenedDatabase } from './data-source.factory.js';
export { runMigrations } from './migrate.js';
export { isDatabaseUnavailable } from './connection-errors.js';
