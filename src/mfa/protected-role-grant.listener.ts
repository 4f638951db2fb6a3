import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DATABASE, managerFor, rowsOf, type OpenedDatabase } from '../database/index.js';
import { EventBus, type BusEvent, type EventDelivery } from '../events/index.js';
import { IdentityService } from '../identity/index.js';
import { MfaService } from './mfa.service.js';

/**
 * `user.protected_role_granted` → in the grant's unit of work, the person's unused enrolment
 * codes and enrolment allowance are voided, and so is a password that no confirmed second
 * factor backs: before the grant a user-admin could have issued or set either, and with the
 * role it would open an admin account. A super-admin then sends a new invitation or enrolment
 * code. Published as `mfa.protected_role_credentials_voided` when anything was voided.
 */
@Injectable()
export class ProtectedRoleGrantListener {
  constructor(
    @Inject(DATABASE) private readonly db: OpenedDatabase,
    private readonly mfa: MfaService,
    private readonly identity: IdentityService,
    private readonly bus: EventBus,
  ) {}

  @OnEvent('user.protected_role_granted', { async: true, promisify: true, suppressErrors: false })
  async onGranted(event: BusEvent<'user.protected_role_granted'>, delivery?: EventDelivery): Promise<void> {
    const { userId } = event.payload;
    const tx = delivery?.tx;
    const em = managerFor(this.db, tx);
    const codes = rowsOf(await em.query(`DELETE FROM mfa_enrolment_codes WHERE user_id = $1 RETURNING 1`, [userId])).length;
    const allowance = rowsOf(await em.query(`DELETE FROM mfa_enrolment_allowances WHERE user_id = $1 RETURNING 1`, [userId])).length > 0;
    const passwordRemoved = !(await this.mfa.hasFactor(userId)) && (await this.identity.removePassword(userId, tx));
    if (!codes && !allowance && !passwordRemoved) return;
    await this.bus.publish(
      'mfa.protected_role_credentials_voided',
      { userId, roles: event.payload.roles, enrolmentCodesVoided: codes, enrolmentAllowanceVoided: allowance, passwordRemoved },
      { actor: event.actor, correlationId: event.correlationId, tx },
    );
  }
}
