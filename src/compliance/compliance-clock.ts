import { Injectable } from '@nestjs/common';

/** The report's notion of now (key ages, review deadlines); a test may move it forward. */
@Injectable()
export class ComplianceClock {
  now(): Date {
    return new Date();
  }
}
