// Terms a valid contract may carry that deserve a second look (modules/contract/warnings.ts).
import test from 'ava';
import { contractWarnings } from '../../modules/contract/warnings.js';
import { makeContract } from '../support/contracts.js';

test('a breach notification deadline over 72 hours is warned about, at its path; 72 or less is not', (t) => {
  const contract = makeContract();
  for (const hours of [1, 24, 72]) {
    contract.breachNotification.deadlineHours = hours;
    t.deepEqual(contractWarnings(contract), [], `${hours} hours`);
  }
  contract.breachNotification.deadlineHours = 72.5;
  const [warning, ...more] = contractWarnings(contract);
  t.is(more.length, 0);
  t.is(warning!.path, 'breachNotification.deadlineHours');
  t.regex(warning!.message, /72\.5 hours is longer than the 72 hours GDPR Art\. 33.*Ask the vendor/);
});
