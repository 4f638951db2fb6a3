import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from './database.tokens.js';
import type { OpenedDatabase } from './data-source.factory.js';

@Injectable()
export class DatabaseHealth {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  /** True when a trivial query answers within the timeout. */
  async ping(timeoutMs = 2000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
      });
      await Promise.race([this.db.dataSource.query('SELECT 1'), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
