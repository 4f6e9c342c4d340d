/**
 * The web layer's `onAuthEvent` for a real hub: logins and failed logins
 * (including bad setup codes) go through the hub's LoginMonitor, which writes
 * `auth.login` / `auth.login-failed` to the audit log and raises an alert on
 * a burst of failures; lockouts and account changes are written directly.
 * Logouts, time-outs and refused requests stay out of the audit log (the
 * router already refused them; they change nothing).
 */
import type { AuthEvent } from '../../web/auth.js';
import { describeAuthEvent } from '../../web/auth.js';
import type { Hub } from '../hub.js';

export function auditAuthEvent(hub: Hub): (event: AuthEvent) => void {
  return (event) => {
    const from = event.remote ?? '';
    const text = describeAuthEvent(event);
    switch (event.kind) {
      case 'login':
        hub.logins.succeeded(event.role ? `${event.role}:${event.name ?? ''}` : event.name ?? '(unknown)', from);
        return;
      case 'login-failed':
      case 'setup-failed':
        hub.logins.failed(event.name ?? '', from);
        return;
      case 'lockout':
        hub.audit.record(event.name ?? '(unknown)', 'auth.login-failed', 'hub', { event: 'lockout', from, text });
        return;
      case 'password-change-failed':
        // A wrong current password is a guess like a failed login: it counts towards the burst signal.
        hub.logins.failed(event.name ?? '', from);
        return;
      case 'account-created':
      case 'account-removed':
      case 'password-changed':
      case 'invitation-created':
        hub.audit.record('hub', 'config.changed', 'hub', { event: `auth.${event.kind}`, account: event.name ?? null, role: event.role ?? null, text });
        return;
      default:
        return;
    }
  };
}
