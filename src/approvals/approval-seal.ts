import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A stored act may carry a private key or a password: it is sealed with AES-256-GCM under a
 * server secret (itself sealed under the KEK), bound to its approval id so a sealed act cannot
 * be moved onto another approval row. Format: base64url(iv 12 | tag 16 | ciphertext).
 */
export function sealAct(key: Buffer, approvalId: string, act: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`approval|${approvalId}`));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(act), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

export function openAct(key: Buffer, approvalId: string, sealed: string): unknown {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(`approval|${approvalId}`));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
}
