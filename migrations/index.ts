/** Every migration, in order. Append-only: a shipped migration is never edited. */
import { Initial1764331200000 } from './1764331200000-Initial.js';

export const migrations = [Initial1764331200000];
