/**
 * identity/ owns users (stable id, email, names, status, roles), their password credentials
 * (argon2id) and the password policy. It exports IdentityService and emits user.* events.
 * It never renders pages or decides sign-in flow (auth/ does), and never stores a password.
 */
import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/index.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';

@Module({ imports: [PoliciesModule], providers: [IdentityRepository, IdentityService], exports: [IdentityService] })
export class IdentityModule {}
