export { loadConfig, ConfigError, type AppConfig } from './app-config.js';
export { APP_CONFIG, ConfigModule } from './config.module.js';
export { SENSITIVE_VARIABLES } from './config.schema.js';
export { weakenedDefaults } from './weakened-defaults.js';
