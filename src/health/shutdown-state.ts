import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/** Flips readiness off as soon as shutdown begins, so a load balancer drains this instance. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  shuttingDown = false;

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
