/**
 * Every entity the data source knows, assembled here at the composition root from the modules
 * that own them (database/ knows no module), listed explicitly: ES modules and bundlers make
 * glob discovery fragile, and an explicit list is reviewed in diffs.
 */
import { OidcArtifactEntity } from '../oidc/entities/oidc-artifact.entity.js';
import { ClientEntity } from '../clients/entities/client.entity.js';
import { ResourceServerEntity } from '../clients/entities/resource-server.entity.js';
import { SigningKeyEntity } from '../keys/entities/signing-key.entity.js';
import { SealedSecretEntity } from '../keys/entities/sealed-secret.entity.js';
import { KeyRotationScheduleEntity } from '../keys/entities/key-rotation-schedule.entity.js';
import { UserEntity } from '../identity/entities/user.entity.js';
import { PasswordCredentialEntity } from '../identity/entities/password-credential.entity.js';
import { LoginThrottleEntity } from '../auth/entities/login-throttle.entity.js';
import { SignInProgressEntity } from '../auth/entities/sign-in-progress.entity.js';
import { MfaFactorEntity } from '../mfa/entities/mfa-factor.entity.js';
import { RecoveryCodeEntity } from '../mfa/entities/recovery-code.entity.js';
import { IdempotencyRecordEntity } from '../admin/entities/idempotency-record.entity.js';
import { AuditEventEntity } from '../audit/entities/audit-event.entity.js';
import { AuditCheckpointEntity } from '../audit/entities/audit-checkpoint.entity.js';
import { CONSENT_ENTITIES } from '../consent/entities/index.js';
import { PasswordSetupTokenEntity } from '../identity/entities/password-setup-token.entity.js';
import { RuntimePolicyEntity } from '../policies/entities/runtime-policy.entity.js';
import { IdentityProviderEntity } from '../federation/entities/identity-provider.entity.js';
import { FederatedIdentityEntity } from '../federation/entities/federated-identity.entity.js';
import { FederationFlowEntity } from '../federation/entities/federation-flow.entity.js';

export const entities = [OidcArtifactEntity, ClientEntity, ResourceServerEntity, SigningKeyEntity, SealedSecretEntity, KeyRotationScheduleEntity, UserEntity, PasswordCredentialEntity, LoginThrottleEntity, SignInProgressEntity, MfaFactorEntity, RecoveryCodeEntity, IdempotencyRecordEntity, AuditEventEntity, AuditCheckpointEntity, ...CONSENT_ENTITIES, PasswordSetupTokenEntity, RuntimePolicyEntity, IdentityProviderEntity, FederatedIdentityEntity, FederationFlowEntity];
