import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BreakGlassService } from './breakglass.service.js';

const EVERY_MS = 30_000;

/** Records the end of emergency sessions that ran out (the service claims each row once). */
@Injectable()
export class BreakGlassEndJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BreakGlassEndJob.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly breakGlass: BreakGlassService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      await this.breakGlass.endExpired();
    } catch (err) {
      this.logger.error({ err }, 'ending expired emergency sessions failed; it will be retried');
    }
  }
}
