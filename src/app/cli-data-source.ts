/**
 * Data source for the TypeORM CLI (`npm run migration:generate`): PostgreSQL at DATABASE_URL,
 * with every entity and migration, so generated SQL is the difference from the real schema.
 */
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { entities } from './entities.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('migration:generate needs DATABASE_URL pointing at a PostgreSQL with the current migrations applied');

export default new DataSource({ type: 'postgres', url, entities, migrations, synchronize: false });
