import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import QRCode from 'qrcode';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { UnitOfWork, type Transaction } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { aesGcmOpen, aesGcmSeal, KeysService } from '../keys/index.js';
import { MfaError, MfaErrorCode } from './mfa.errors.js';
import { MfaRepository, type StoredFactor } from './mfa.repository.js';
import { isReplay, matchTotpStep, newTotpSecret, otpauthUri } from './totp.js';

export interface FactorSummary {
  id: string;
  type: 'totp' | 'webauthn';
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface TotpEnrolment {
  factorId: string;
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

export type SecondFactorResult =
  | { ok: true; amr: string[]; factorId: string | null }
  | { ok: false; reason: 'wrong_code' | 'replayed_code' | 'verification_failed' };

const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Written in the transaction that stores a new factor (the sign-in recording it was enrolled here). */
export type EnrolmentHook = (tx: Transaction, amr: string[]) => Promise<void>;

/**
 * Second factors: TOTP (secrets sealed at rest, replay refused), WebAuthn passkeys (user
 * verification required, sign counters checked) and single-use recovery codes (hashed).
 * It decides nothing about *when* a factor is needed: that is mfaRequired() and the dispatcher.
 */
@Injectable()
export class MfaService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: MfaRepository,
    private readonly keys: KeysService,
    private readonly bus: EventBus,
    private readonly uow: UnitOfWork,
  ) {}

  async confirmedFactors(userId: string): Promise<FactorSummary[]> {
    return (await this.repo.findFactors(userId, { confirmedOnly: true })).map(summary);
  }

  async hasFactor(userId: string): Promise<boolean> {
    return (await this.repo.findFactors(userId, { confirmedOnly: true })).length > 0;
  }

  // ---- TOTP -------------------------------------------------------------------------

  /** Starts a TOTP enrolment: an unconfirmed factor, its secret as text and as a QR code. */
  async startTotpEnrolment(userId: string, accountName: string): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    const factorId = randomUUID();
    await this.repo.insertFactor({
      id: factorId,
      userId,
      type: 'totp',
      label: 'Authenticator app',
      confirmed: false,
      sealedSecret: aesGcmSeal(await this.totpKey(), Buffer.from(secret), `totp|${factorId}`),
      lastStep: null,
      credentialId: null,
      publicKey: null,
      signCount: null,
      transports: null,
      deviceType: null,
      createdAt: new Date(),
      lastUsedAt: null,
    });
    const uri = otpauthUri(secret, this.config.brand.name, accountName);
    return { factorId, secret, otpauthUri: uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }) };
  }

  /** Re-renders a pending enrolment (after a wrong confirmation code) without a new secret. */
  async pendingTotpEnrolment(userId: string, factorId: string, accountName: string): Promise<TotpEnrolment> {
    const factor = await this.repo.findFactor(factorId);
    if (!factor || factor.userId !== userId || factor.confirmed || factor.type !== 'totp') {
      throw new MfaError(MfaErrorCode.NO_PENDING_ENROLMENT, 'no TOTP enrolment is pending');
    }
    const secret = await this.openTotpSecret(factor);
    const uri = otpauthUri(secret, this.config.brand.name, accountName);
    return { factorId, secret, otpauthUri: uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }) };
  }

  /**
   * Confirms an enrolment with its first valid code; that code counts as used. The factor, the
   * removal of abandoned enrolments, `mfa.enrolled` and `alsoInTx` (the sign-in recording that
   * the factor was enrolled here) commit together: a process that dies in between leaves the
   * enrolment pending, never a confirmed factor without its record.
   */
  async confirmTotpEnrolment(userId: string, factorId: string, code: string, now = Date.now(), alsoInTx?: EnrolmentHook): Promise<SecondFactorResult> {
    const factor = await this.repo.findFactor(factorId);
    if (!factor || factor.userId !== userId || factor.confirmed || factor.type !== 'totp') {
      throw new MfaError(MfaErrorCode.NO_PENDING_ENROLMENT, 'no TOTP enrolment is pending');
    }
    const step = matchTotpStep(await this.openTotpSecret(factor), code.trim(), now);
    if (step === null) return { ok: false, reason: 'wrong_code' };
    const amr = ['otp'];
    // The code's use belongs to the same transaction: a process that dies before the commit has
    // not spent it, and the person's retry with the same code works.
    const enrolled = await this.uow.run(async (tx) => {
      if (!(await this.repo.acceptStep(factor.id, step, tx))) return false;
      if (!(await this.repo.confirmFactor(factor.id, tx))) throw new MfaError(MfaErrorCode.NO_PENDING_ENROLMENT, 'no TOTP enrolment is pending');
      await this.repo.deleteUnconfirmed(userId, tx);
      await this.bus.publish('mfa.enrolled', { userId, factorId, type: 'totp' }, { actor: { type: 'user', id: userId }, tx });
      await alsoInTx?.(tx, amr);
      return true;
    });
    if (!enrolled) return { ok: false, reason: 'wrong_code' };
    return { ok: true, amr, factorId };
  }

  /** Checks a code against every confirmed TOTP factor of the user; a code is good once. */
  async verifyTotp(userId: string, code: string, now = Date.now()): Promise<SecondFactorResult> {
    const factors = (await this.repo.findFactors(userId, { confirmedOnly: true })).filter((f) => f.type === 'totp');
    for (const factor of factors) {
      const step = matchTotpStep(await this.openTotpSecret(factor), code.trim(), now);
      if (step === null) continue;
      if (isReplay(step, factor.lastStep) || !(await this.repo.acceptStep(factor.id, step))) {
        return this.failed(userId, 'totp', 'replayed_code');
      }
      await this.succeeded(userId, 'totp', factor.id);
      return { ok: true, amr: ['otp'], factorId: factor.id };
    }
    return this.failed(userId, 'totp', 'wrong_code');
  }

  // ---- Recovery codes ------------------------------------------------------------------

  /** Ten new single-use codes, shown once; the previous set stops working. */
  async regenerateRecoveryCodes(userId: string, actor?: EventActor): Promise<string[]> {
    return (await this.recoveryCodesIf(userId, async () => true, actor))!;
  }

  /**
   * A new set of recovery codes if `claim` (run first, in the same transaction) says so; null
   * otherwise. The claim, the codes and their audit record commit together: a sign-in that shows
   * its codes once never marks them shown without having made them.
   */
  async recoveryCodesIf(userId: string, claim: (tx: Transaction) => Promise<boolean>, actor?: EventActor): Promise<string[] | null> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => recoveryCode());
    const pepper = await this.keys.getSecret('mfa-recovery-pepper');
    return this.uow.run(async (tx) => {
      if (!(await claim(tx))) return null;
      await this.repo.replaceRecoveryCodes(userId, codes.map((c) => hashRecoveryCode(c, pepper)), tx);
      await this.bus.publish('mfa.recovery_codes.generated', { userId, count: codes.length }, { actor: actor ?? { type: 'user', id: userId }, tx });
      return codes;
    });
  }

  /** How many unused recovery codes the user has left (the account console shows it). */
  async recoveryCodesLeft(userId: string): Promise<number> {
    return this.repo.countUnusedRecoveryCodes(userId);
  }

  async useRecoveryCode(userId: string, code: string): Promise<SecondFactorResult> {
    const pepper = await this.keys.getSecret('mfa-recovery-pepper');
    if (!(await this.repo.useRecoveryCode(userId, hashRecoveryCode(code, pepper)))) return this.failed(userId, 'recovery_code', 'wrong_code');
    const remaining = await this.repo.countUnusedRecoveryCodes(userId);
    await this.bus.publish('mfa.recovery_code.used', { userId, remaining }, { actor: { type: 'user', id: userId } });
    await this.succeeded(userId, 'recovery_code', null);
    return { ok: true, amr: ['otp'], factorId: null };
  }

  // ---- WebAuthn -------------------------------------------------------------------------

  async webauthnRegistrationOptions(userId: string, userName: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = (await this.repo.findFactors(userId)).filter((f) => f.type === 'webauthn' && f.credentialId);
    return generateRegistrationOptions({
      rpName: this.config.brand.name,
      rpID: this.rpId,
      userName,
      userID: Buffer.from(userId),
      attestationType: 'none',
      excludeCredentials: existing.map((f) => ({ id: f.credentialId!, transports: f.transports ?? undefined })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
  }

  /** Registers a passkey; the factor, `mfa.enrolled` and `alsoInTx` commit together (see confirmTotpEnrolment). */
  async completeWebauthnRegistration(userId: string, expectedChallenge: string, response: RegistrationResponseJSON, label = 'Passkey', alsoInTx?: EnrolmentHook) {
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
      });
    } catch (cause) {
      throw new MfaError(MfaErrorCode.WEBAUTHN_FAILED, 'the passkey could not be registered', { cause });
    }
    if (!verification.verified || !verification.registrationInfo) {
      throw new MfaError(MfaErrorCode.WEBAUTHN_FAILED, 'the passkey could not be registered');
    }
    const { credential, credentialDeviceType } = verification.registrationInfo;
    const factorId = randomUUID();
    const amr = [credentialDeviceType === 'singleDevice' ? 'hwk' : 'swk'];
    await this.uow.run(async (tx) => {
      await this.repo.insertFactor(
        {
          id: factorId,
          userId,
          type: 'webauthn',
          label: label.slice(0, 100),
          confirmed: true,
          sealedSecret: null,
          lastStep: null,
          credentialId: credential.id,
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          signCount: credential.counter,
          transports: credential.transports ?? null,
          deviceType: credentialDeviceType,
          createdAt: new Date(),
          lastUsedAt: null,
        },
        tx,
      );
      await this.repo.deleteUnconfirmed(userId, tx);
      await this.bus.publish('mfa.enrolled', { userId, factorId, type: 'webauthn' }, { actor: { type: 'user', id: userId }, tx });
      await alsoInTx?.(tx, amr);
    });
    return { factorId, amr };
  }

  async webauthnAuthenticationOptions(userId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const credentials = (await this.repo.findFactors(userId, { confirmedOnly: true })).filter((f) => f.type === 'webauthn');
    return generateAuthenticationOptions({
      rpID: this.rpId,
      userVerification: 'required',
      allowCredentials: credentials.map((f) => ({ id: f.credentialId!, transports: (f.transports ?? undefined) as never })),
    });
  }

  /** Verifies an assertion: the credential must be the user's, UV done, and the counter must move on. */
  async verifyWebauthn(userId: string, expectedChallenge: string, response: AuthenticationResponseJSON): Promise<SecondFactorResult> {
    const factor = await this.repo.findByCredentialId(response.id);
    if (!factor || factor.userId !== userId || !factor.confirmed) return this.failed(userId, 'webauthn', 'verification_failed');
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
        credential: {
          id: factor.credentialId!,
          publicKey: Buffer.from(factor.publicKey!, 'base64url'),
          counter: factor.signCount ?? 0,
          transports: factor.transports ?? undefined,
        },
      });
      if (!result.verified) return this.failed(userId, 'webauthn', 'verification_failed');
      await this.repo.updateSignCount(factor.id, result.authenticationInfo.newCounter);
      await this.succeeded(userId, 'webauthn', factor.id);
      return { ok: true, amr: [factor.deviceType === 'singleDevice' ? 'hwk' : 'swk'], factorId: factor.id };
    } catch {
      return this.failed(userId, 'webauthn', 'verification_failed');
    }
  }

  // ---- Administration ------------------------------------------------------------------

  async removeFactor(userId: string, factorId: string, actor: EventActor): Promise<boolean> {
    const removed = await this.repo.deleteFactor(userId, factorId);
    if (removed) await this.bus.publish('mfa.removed', { userId, factorId, type: removed.type }, { actor });
    return Boolean(removed);
  }

  /**
   * Admin reset: every factor and recovery code goes; the user enrols again at next sign-in.
   * The removal and its audit record commit together, in the caller's unit of work when given.
   */
  async reset(userId: string, actor: EventActor, tx?: Transaction, expectedVersion?: number): Promise<number> {
    if (!tx) return this.uow.run((own) => this.reset(userId, actor, own, expectedVersion));
    const factorsRemoved = await this.repo.deleteAll(userId, tx, expectedVersion);
    await this.bus.publish('mfa.reset', { userId, factorsRemoved }, { actor, tx });
    return factorsRemoved;
  }

  /** Records a refused attempt that never reached a verifier (too many tries). */
  async recordTooManyAttempts(userId: string, method: 'totp' | 'webauthn' | 'recovery_code'): Promise<void> {
    await this.bus.publish('mfa.challenge.failed', { userId, method, reason: 'too_many_attempts' }, { actor: { type: 'user', id: userId } });
  }

  private get rpId(): string {
    return new URL(this.config.issuer).hostname;
  }

  private get origin(): string {
    return new URL(this.config.issuer).origin;
  }

  private async totpKey(): Promise<Buffer> {
    return this.keys.getSecret('mfa-totp-key');
  }

  private async openTotpSecret(factor: StoredFactor): Promise<string> {
    return aesGcmOpen(await this.totpKey(), factor.sealedSecret!, `totp|${factor.id}`).toString('utf8');
  }

  private async succeeded(userId: string, method: 'totp' | 'webauthn' | 'recovery_code', factorId: string | null) {
    await this.bus.publish('mfa.challenge.succeeded', { userId, method, factorId }, { actor: { type: 'user', id: userId } });
  }

  private async failed(
    userId: string,
    method: 'totp' | 'webauthn' | 'recovery_code',
    reason: 'wrong_code' | 'replayed_code' | 'verification_failed',
  ): Promise<SecondFactorResult> {
    await this.bus.publish('mfa.challenge.failed', { userId, method, reason }, { actor: { type: 'user', id: userId } });
    return { ok: false, reason };
  }
}

function summary(f: StoredFactor): FactorSummary {
  return { id: f.id, type: f.type, label: f.label, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt };
}

/** 10 characters from an unambiguous alphabet, shown as xxxxx-xxxxx (about 49 bits). */
function recoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

export function normaliseRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
}

function hashRecoveryCode(code: string, pepper: Buffer): string {
  return createHmac('sha256', pepper).update(normaliseRecoveryCode(code)).digest('base64url');
}
