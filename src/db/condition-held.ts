import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * Runs one conditional write. False when its condition failed (a lost race,
 * a duplicate delivery, a claim already taken): that is an answer, not an
 * error. Any other failure is thrown.
 */
export async function conditionHeld(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
