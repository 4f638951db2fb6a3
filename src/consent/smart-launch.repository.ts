import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction, rowsOf } from '../database/index.js';
import type { LaunchContext, StoredLaunch } from './smart-launch.js';

interface LaunchRow {
  id: string;
  client_id: string;
  fhir_base: string;
  patient_id: string;
  encounter_id: string | null;
  fhir_context: LaunchContext['fhirContext'];
  intent: string | null;
  need_patient_banner: boolean | null;
  smart_style_url: string | null;
  user_id: string | null;
  fhir_user: string | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

const COLUMNS = `id, client_id, fhir_base, patient_id, encounter_id, fhir_context, intent, need_patient_banner, smart_style_url,
  user_id, fhir_user, created_at, expires_at, used_at`;

function toLaunch(r: LaunchRow): StoredLaunch {
  return {
    id: r.id,
    clientId: r.client_id,
    fhirBase: r.fhir_base,
    userId: r.user_id,
    fhirUser: r.fhir_user,
    context: {
      patient: r.patient_id,
      encounter: r.encounter_id,
      fhirContext: r.fhir_context ?? [],
      intent: r.intent,
      needPatientBanner: r.need_patient_banner,
      smartStyleUrl: r.smart_style_url,
    },
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    usedAt: r.used_at ? new Date(r.used_at) : null,
  };
}


/** Storage of SMART EHR launches, by the SHA-256 of their value (the value is never stored). */
@Injectable()
export class SmartLaunchRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async insert(launch: StoredLaunch & { valueHash: string; createdBy: string }, tx: Transaction): Promise<void> {
    const c = launch.context;
    await managerFor(this.db, tx).query(
      `INSERT INTO smart_launches (id, value_hash, client_id, fhir_base, patient_id, encounter_id, fhir_context, intent,
         need_patient_banner, smart_style_url, user_id, fhir_user, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [launch.id, launch.valueHash, launch.clientId, launch.fhirBase, c.patient, c.encounter, JSON.stringify(c.fhirContext), c.intent,
        c.needPatientBanner, c.smartStyleUrl, launch.userId, launch.fhirUser, launch.createdBy, launch.createdAt, launch.expiresAt],
    );
  }

  async findByHash(valueHash: string): Promise<StoredLaunch | null> {
    const rows = rowsOf<LaunchRow>(await this.db.dataSource.query(`SELECT ${COLUMNS} FROM smart_launches WHERE value_hash = $1`, [valueHash]));
    return rows[0] ? toLaunch(rows[0]) : null;
  }

  /**
   * Marks the launch used, atomically: of any number of concurrent requests with one value,
   * exactly one gets the row back (the rest see it used). Only an unexpired launch of this client
   * for this FHIR server is taken.
   */
  async consume(valueHash: string, clientId: string, fhirBase: string, now: Date): Promise<StoredLaunch | null> {
    const rows = rowsOf<LaunchRow>(
      await this.db.dataSource.query(
        `UPDATE smart_launches SET used_at = $4
          WHERE value_hash = $1 AND client_id = $2 AND fhir_base = $3 AND used_at IS NULL AND expires_at > $4
          RETURNING ${COLUMNS}`,
        [valueHash, clientId, fhirBase, now],
      ),
    );
    return rows[0] ? toLaunch(rows[0]) : null;
  }

  /** Links a used launch to the provider grant its tokens come from (only the first link counts). */
  async bindGrant(launchId: string, oidcGrantId: string): Promise<void> {
    await this.db.dataSource.query(`UPDATE smart_launches SET oidc_grant_id = $2 WHERE id = $1 AND oidc_grant_id IS NULL`, [launchId, oidcGrantId]);
  }

  /** The launch context of a provider grant, while the consent it was issued under stands. */
  async contextOfGrant(oidcGrantId: string): Promise<LaunchContext | null> {
    const rows = rowsOf<LaunchRow>(
      await this.db.dataSource.query(
        `SELECT ${COLUMNS.split(/,\s*/).map((c) => `l.${c}`).join(', ')} FROM smart_launches l
           JOIN consent_grant_authorizations a ON a.oidc_grant_id = l.oidc_grant_id
           JOIN consent_grants g ON g.id = a.consent_grant_id
          WHERE l.oidc_grant_id = $1 AND g.revoked_at IS NULL`,
        [oidcGrantId],
      ),
    );
    return rows[0] ? toLaunch(rows[0]).context : null;
  }

  /** Deletes launches that expired more than a day ago (their audit records stay). */
  async deleteExpired(now: Date): Promise<void> {
    await this.db.dataSource.query(`DELETE FROM smart_launches WHERE expires_at < $1::timestamptz - interval '1 day' AND oidc_grant_id IS NULL`, [now]);
  }
}
