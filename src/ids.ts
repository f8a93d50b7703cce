import { randomBytes } from 'node:crypto';

/**
 * New ids keep the Python engine's format: a 20-digit, zero-padded decimal
 * string (it used `uuid1().int % 10**20`). 128 random bits reduced mod 10^20
 * give ~66 bits of entropy, so collisions are negligible, and ids stay
 * readable by the Python engine. Ids written by other tools (UUIDs) are
 * accepted on read: see IdSchema.
 */
const TEN_POW_20 = 10n ** 20n;

export function newId(): string {
  const value = BigInt(`0x${randomBytes(16).toString('hex')}`) % TEN_POW_20;
  return value.toString().padStart(20, '0');
}
