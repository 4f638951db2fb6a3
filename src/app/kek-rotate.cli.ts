/** `npm run keys:rotate-kek`: see rotateKekFromEnvironment and the README ("Rotating the key-encryption key"). */
import { ConfigError } from '../config/index.js';
import { rotateKekFromEnvironment } from './kek-rotation.runner.js';

try {
  const outcome = await rotateKekFromEnvironment();
  process.stdout.write(
    outcome.signingKeys + outcome.secrets === 0
      ? `nothing to re-seal: everything is sealed under ${outcome.toKekId}\n`
      : `re-sealed ${outcome.signingKeys} signing keys and ${outcome.secrets} secrets from ${outcome.fromKekIds.join(', ')} to ${outcome.toKekId}\n`,
  );
  process.exit(0);
} catch (err) {
  const lines = err instanceof ConfigError ? err.problems.map((p) => `invalid configuration: ${p}`) : [(err as Error).message];
  for (const line of lines) process.stderr.write(`caduceus: ${line}\n`);
  process.exit(1);
}
