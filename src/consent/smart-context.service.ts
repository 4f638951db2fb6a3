import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { IdentityService } from '../identity/index.js';
import type { PatientOption } from './consent-decision.js';
import { ConsentError, ConsentErrorCode } from './consent.errors.js';
import { ConsentRepository, type StoredUserContext } from './consent.repository.js';

/** A FHIR logical id (FHIR R4 `id`). */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** fhirUser: a reference to a Patient, Practitioner, RelatedPerson or Person, relative or absolute. */
export const FHIR_USER = /^(?:https?:\/\/[^\s?#]+\/)?(Patient|Practitioner|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/;

export interface SmartUserContext {
  fhirUser: string | null;
  patients: PatientOption[];
}

/**
 * The SMART context administrators give users: the FHIR resource that is them (`fhirUser`) and
 * the patient records they may open in a standalone launch. A user whose fhirUser is a Patient
 * may always open their own record.
 */
@Injectable()
export class SmartContextService {
  constructor(
    private readonly repo: ConsentRepository,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
    private readonly identity: IdentityService,
  ) {}

  async get(userId: string): Promise<StoredUserContext | null> {
    await this.requireUser(userId);
    return this.repo.findUserContext(userId);
  }

  async fhirUserOf(userId: string): Promise<string | null> {
    return (await this.repo.findUserContext(userId))?.fhirUser ?? null;
  }

  /** The patients the user may open: the administrator's list, and their own record when they are a Patient. */
  async patientsFor(userId: string): Promise<PatientOption[]> {
    const context = await this.repo.findUserContext(userId);
    if (!context) return [];
    const options: PatientOption[] = context.patients.map((p) => ({ ...p }));
    const self = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(context.fhirUser ?? '')?.[1];
    if (self && !options.some((o) => o.patientId === self)) options.unshift({ patientId: self, displayName: 'Your own record', encounterId: null });
    return options;
  }

  async replace(userId: string, next: SmartUserContext, expected: number[] | undefined, actor: EventActor, correlationId?: string): Promise<StoredUserContext> {
    await this.requireUser(userId);
    await this.uow.run(async (tx) => {
      await this.repo.replaceUserContext(userId, next, expected, tx);
      await this.bus.publish(
        'smart.user_context.updated',
        { userId, fhirUser: next.fhirUser, patientIds: next.patients.map((p) => p.patientId) },
        { actor, correlationId, tx },
      );
    });
    return (await this.repo.findUserContext(userId))!;
  }

  private async requireUser(userId: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(userId) || !(await this.identity.findById(userId))) {
      throw new ConsentError(ConsentErrorCode.USER_NOT_FOUND, 'no such user');
    }
  }
}
