/**
 * consent/ owns the scope catalogue (OpenID Connect, SMART on FHIR v1/v2, custom), the SMART
 * scope algebra and per-client ceilings, users' grants to apps (consent page, account page,
 * admin revocation), SMART launch context (standalone picker and EHR launches) and /.well-known/smart-configuration.
 * It exports ConsentStep (the sign-in dispatcher's consent step) and emits consent.* and
 * scopes.narrowed. It never authenticates anyone, and never grants beyond a client's ceiling.
 * What it needs of the OpenID Provider (sessions, apps, ending grants) it asks through its port
 * (consent-ports.ts, bound in src/app/). Global so the sign-in dispatcher (auth/) can use ConsentStep without a module cycle.
 */
import { Global, Module } from '@nestjs/common';
import { ClientsModule } from '../clients/index.js';
import { IdentityModule } from '../identity/index.js';
import { KeysModule } from '../keys/index.js';
import { AccountService } from './account.service.js';
import { ClientPolicyService } from './client-policy.service.js';
import { ConsentCleanupJob } from './consent-cleanup.job.js';
import { CONSENT_CLOCK, systemConsentClock } from './consent-clock.js';
import { ClientConsentPolicyAdminController, ScopesAdminController, UserGrantsAdminController } from './consent.admin.controller.js';
import { ConsentRepository } from './consent.repository.js';
import { ConsentService } from './consent.service.js';
import { ConsentStep } from './consent.step.js';
import { ScopeCatalogueService } from './scope-catalogue.service.js';
import { SmartConfigurationController } from './smart-configuration.controller.js';
import { SmartContextAdminController } from './smart-context.admin.controller.js';
import { SmartContextService } from './smart-context.service.js';
import { SmartScopePolicy } from './smart-scope.policy.js';
import { SmartLaunchAdminController } from './smart-launch.admin.controller.js';
import { SmartLaunchRepository } from './smart-launch.repository.js';
import { SmartLaunchService } from './smart-launch.service.js';

@Global()
@Module({
  imports: [ClientsModule, IdentityModule, KeysModule],
  controllers: [
    SmartConfigurationController,
    UserGrantsAdminController,
    ClientConsentPolicyAdminController,
    ScopesAdminController,
    SmartContextAdminController,
    SmartLaunchAdminController,
  ],
  providers: [
    { provide: CONSENT_CLOCK, useValue: systemConsentClock },
    ConsentRepository,
    ConsentService,
    ClientPolicyService,
    ScopeCatalogueService,
    SmartContextService,
    SmartScopePolicy,
    SmartLaunchRepository,
    SmartLaunchService,
    ConsentStep,
    AccountService,
    ConsentCleanupJob,
  ],
  exports: [ConsentStep, ConsentService, AccountService, ClientPolicyService, SmartLaunchService, SmartContextService, SmartScopePolicy],
})
export class ConsentModule {}
