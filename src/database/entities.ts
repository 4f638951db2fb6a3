/**
 * Every entity and migration the data source knows, listed explicitly: ES modules and
 * bundlers make glob discovery fragile, and an explicit list is reviewed in diffs.
 */
import { OidcArtifactEntity } from '../oidc/entities/oidc-artifact.entity.js';
import { ClientEntity } from '../clients/entities/client.entity.js';
import { ResourceServerEntity } from '../clients/entities/resource-server.entity.js';
import { SigningKeyEntity } from '../keys/entities/signing-key.entity.js';
import { SealedSecretEntity } from '../keys/entities/sealed-secret.entity.js';
import { migrations } from '../../migrations/index.js';

export const entities = [OidcArtifactEntity, ClientEntity, ResourceServerEntity, SigningKeyEntity, SealedSecretEntity];
export { migrations };
