import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule, type AppConfig } from './config/index.js';
import { DatabaseModule, type OpenedDatabase } from './database/index.js';
import { EventsModule } from './events/index.js';
import { HealthModule } from './health/health.module.js';
import { KeysModule } from './keys/index.js';
import { ClientsModule } from './clients/index.js';
import { OidcModule } from './oidc/index.js';
import { AdminModule } from './admin/admin.module.js';
import { AdminPortsModule } from './app/admin-ports.module.js';
import { IdentityModule } from './identity/index.js';
import { AuthModule } from './auth/auth.module.js';
import { AuditModule } from './audit/index.js';
import { PoliciesModule } from './policies/index.js';
import { UsersAdminModule } from './identity/users-admin.module.js';
import { ConsentModule } from './consent/index.js';
import { loggerParams } from './logging/logging.js';
import { HardeningModule } from './hardening/index.js';
import { WebhooksModule } from './webhooks/index.js';
import { BreakGlassModule } from './breakglass/index.js';
import { ComplianceModule } from './compliance/index.js';
import { ScimModule } from './scim/scim.module.js';
import { SetupModule } from './setup/index.js';
import { AccountConsoleModule } from './account/account.module.js';
import { HomeModule } from './home/home.module.js';
import { AdminConsoleModule } from './admin-console/admin-console.module.js';
import { ApprovalsModule } from './approvals/approvals.module.js';
import { ApprovalsPortsModule } from './app/approvals-ports.module.js';
import { OidcPortsModule } from './app/oidc-ports.module.js';
import { ConsentPortsModule } from './app/consent-ports.module.js';
import { FederationPortsModule } from './app/federation-ports.module.js';
import { AuditMappingsModule } from './app/audit-mappings.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, db: OpenedDatabase): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        DatabaseModule.forRoot(db),
        EventsModule,
        ScheduleModule.forRoot(),
        HealthModule,
        KeysModule,
        ClientsModule,
        OidcModule,
        AdminModule,
        AdminPortsModule,
        IdentityModule,
        AuthModule,
        AuditModule,
        PoliciesModule,
        UsersAdminModule,
        ConsentModule,
        HardeningModule,
        WebhooksModule,
        BreakGlassModule,
        ComplianceModule,
        ScimModule,
        SetupModule,
        AccountConsoleModule,
        HomeModule,
        AdminConsoleModule,
        ApprovalsModule,
        ApprovalsPortsModule,
        OidcPortsModule,
        ConsentPortsModule,
        FederationPortsModule,
        AuditMappingsModule,
      ],
    };
  }
}
