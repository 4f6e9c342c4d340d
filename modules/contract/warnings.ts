/**
 * What a valid contract may say that its reviewer should still look at twice.
 * Warnings, not errors: the contract loads and is enforced as written; the
 * installer or owner decides whether to accept the terms.
 */
import type { Contract, ContractError } from './types.js';

/** GDPR Art. 33(1): a controller notifies the supervisory authority within 72 hours of becoming aware of a breach. */
export const GDPR_BREACH_HOURS = 72;

export function contractWarnings(contract: Contract): ContractError[] {
  const warnings: ContractError[] = [];
  const hours = contract.breachNotification.deadlineHours;
  if (hours > GDPR_BREACH_HOURS) {
    warnings.push({
      path: 'breachNotification.deadlineHours',
      message: `${hours} hours is longer than the ${GDPR_BREACH_HOURS} hours GDPR Art. 33 gives a controller to notify the supervisory authority; the household would hear of a breach after that deadline. Ask the vendor for ${GDPR_BREACH_HOURS} hours or less`,
    });
  }
  return warnings;
}
