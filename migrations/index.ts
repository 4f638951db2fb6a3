/** Every migration, in order. Append-only: a shipped migration is never edited. */
import { Initial1764331200000 } from './1764331200000-Initial.js';
import { IdentityAndSignIn1764331300000 } from './1764331300000-IdentityAndSignIn.js';
import { Mfa1764331400000 } from './1764331400000-Mfa.js';
import { KeyLifecycle1795867438413 } from './1795867438413-KeyLifecycle.js';
import { ClientLifecycleAndIdempotency1795867589775 } from './1795867589775-ClientLifecycleAndIdempotency.js';
import { AuditTrail1795867636015 } from './1795867636015-AuditTrail.js';
import { ConsentAndSmart1795868701216 } from './1795868701216-ConsentAndSmart.js';
import { UsersAdminAndPolicies1795869176075 } from './1795869176075-UsersAdminAndPolicies.js';
import { Federation1795869195409 } from './1795869195409-Federation.js';
import { BreakGlassAndWebhooks1795869537982 } from './1795869537982-BreakGlassAndWebhooks.js';
import { GroupsAndProvisioning1795871000000 } from './1795871000000-GroupsAndProvisioning.js';
import { SmartEhrLaunch1796231000000 } from './1796231000000-SmartEhrLaunch.js';
import { SignInFactorEnrolled1796231780647 } from './1796231780647-SignInFactorEnrolled.js';
import { MfaEnrolmentCodes1796232900000 } from './1796232900000-MfaEnrolmentCodes.js';
import { FirstRunSetup1796240000000 } from './1796240000000-FirstRunSetup.js';
import { AdminApprovals1796298917722 } from './1796298917722-AdminApprovals.js';
import { SignInState1796299839506 } from './1796299839506-SignInState.js';
import { MfaEnrolmentAllowances1796301200000 } from './1796301200000-MfaEnrolmentAllowances.js';
import { EmergencySignInState1796302000000 } from './1796302000000-EmergencySignInState.js';
import { ApprovalApprovers1796302400000 } from './1796302400000-ApprovalApprovers.js';
import { WebhookVersions1796303600000 } from './1796303600000-WebhookVersions.js';
import { MfaAccountLockout1796303700000 } from './1796303700000-MfaAccountLockout.js';

export const migrations = [Initial1764331200000, IdentityAndSignIn1764331300000, Mfa1764331400000, KeyLifecycle1795867438413, ClientLifecycleAndIdempotency1795867589775, AuditTrail1795867636015, ConsentAndSmart1795868701216, UsersAdminAndPolicies1795869176075, Federation1795869195409, BreakGlassAndWebhooks1795869537982, GroupsAndProvisioning1795871000000, SmartEhrLaunch1796231000000, SignInFactorEnrolled1796231780647, MfaEnrolmentCodes1796232900000, FirstRunSetup1796240000000, AdminApprovals1796298917722, SignInState1796299839506, MfaEnrolmentAllowances1796301200000, EmergencySignInState1796302000000, ApprovalApprovers1796302400000, WebhookVersions1796303600000, MfaAccountLockout1796303700000];
