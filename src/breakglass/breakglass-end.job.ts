import { Injectable } from '@nestjs/common';
import { IntervalJob } from '../common/interval-job.js';
import { BreakGlassService } from './breakglass.service.js';

/** Records the end of emergency sessions that ran out (the service claims each row once). */
@Injectable()
export class BreakGlassEndJob extends IntervalJob {
  protected readonly description = 'ending expired emergency sessions';

  constructor(private readonly breakGlass: BreakGlassService) {
    super();
  }

  protected everyMs(): number {
    return 30_000;
  }

  protected async work(): Promise<void> {
    await this.breakGlass.endExpired();
  }
}
