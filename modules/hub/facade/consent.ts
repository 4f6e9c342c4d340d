/**
 * The consent area: each purpose's decision and who made it when, giving and
 * withdrawing, and the preview of what a withdrawal purges.
 *
 * The last decision per purpose is kept here (read from the audit log once
 * per boot, then followed through the consent book's change events), so the
 * page can say who changed it when without reading the log on every call.
 */
import { decode } from 'cbor-x/decode';
import type { Stamp } from '../../reading.js';
import { FacadeError } from '../../web/facade.js';
import type { ConsentEntry, ConsentFacade, PurgePlan, PurgeResult } from '../../web/facade/consent.js';
import { actorString, personOf, str, type FacadeContext } from './context.js';

export interface ConsentAreaOptions {
  /** Buffered records the withdrawal preview decrypts to tell purposes apart (each is an AES-GCM open, inside a synchronous request). */
  previewScanLimit: number;
}

export interface ConsentArea extends ConsentFacade {
  /** Drops the decisions remembered for an integration that has ended. */
  forgetIntegration(integration: string): void;
  /** Stops following the consent book. */
  stop(): void;
}

interface Decision {
  given: boolean;
  at: Stamp;
  actor: string;
  seq: number;
}

const pairKey = (integration: string, purpose: string) => `${integration}\u0000${purpose}`;

export function createConsentArea(context: FacadeContext, options: ConsentAreaOptions): ConsentArea {
  const { hub, isoOf, contractOf, titleOf, purposeOf } = context;
  let decisions: Map<string, Decision> | undefined;

  function decisionBook(): Map<string, Decision> {
    if (decisions) return decisions;
    // Once per boot: earlier decisions are only in the audit log.
    const book = new Map<string, Decision>();
    for (const e of hub.audit.entries((x) => x.action === 'consent.given' || x.action === 'consent.withdrawn')) {
      book.set(pairKey(e.subject, str(e.details.purpose)), { given: e.action === 'consent.given', at: e.time, actor: e.actor, seq: e.seq });
    }
    decisions = book;
    return book;
  }

  const unsubscribe = hub.consent.onChange((event) => {
    // The hub's own listener ran first and wrote the audit entry: the head is this decision.
    decisionBook().set(pairKey(event.integration, event.purpose), { given: event.given, at: event.time, actor: event.actor, seq: hub.audit.head().seq });
  });

  function consentEntry(integration: string, purposeId: string): ConsentEntry {
    const { purpose } = purposeOf(integration, purposeId);
    const decision = decisionBook().get(pairKey(integration, purposeId));
    return {
      integration,
      integrationTitle: titleOf(integration),
      purpose: purposeId,
      purposeText: purpose.description,
      // A purpose that does not rest on consent flows regardless: say so rather than show a switch that does nothing.
      given: purpose.requiresConsent ? hub.consent.isGiven(integration, purposeId) : true,
      changedAt: decision ? isoOf(decision.at) : null,
      changedBy: decision ? personOf(decision.actor) : null,
      required: !purpose.requiresConsent,
    };
  }

  function plan(integration: string, purposeId: string): PurgePlan & { last: boolean } {
    const { contract, purpose } = purposeOf(integration, purposeId);
    const title = titleOf(integration);
    const streams = contract.streams.filter((s) => Object.values(s.fields).some((f) => f.purpose === purposeId)).map((s) => s.stream);
    const base = { integration, purpose: purposeId, streams };
    const what = purpose.description.replace(/[.\s]+$/, ''); // quoted inside a sentence
    if (!purpose.requiresConsent) {
      return { ...base, last: false, bufferedRecords: 0, effects: [`"${what}" does not rest on your consent under ${title}'s contract, so it cannot be withdrawn here; to stop it, end the integration (Leaving).`] };
    }
    if (!hub.consent.isGiven(integration, purposeId)) {
      return { ...base, last: false, bufferedRecords: 0, effects: ['Nothing changes: this consent is already withdrawn.'] };
    }
    const allowedAfter = (p: string) => p !== purposeId && (contract.purposes.find((q) => q.id === p)?.requiresConsent === false || hub.consent.isGiven(integration, p));
    const last = !contract.purposes.some((p) => allowedAfter(p.id));
    const buffered = hub.buffer.stats(integration).records;
    const stops = `${title} will no longer receive ${streams.length ? streams.join(', ') : 'any'} data for "${what}".`;
    const already = 'Data the vendor already received stays under its contract; ask them to delete it if you wish.';
    if (last) {
      return {
        ...base,
        last,
        bufferedRecords: buffered,
        effects: [
          stops,
          `This is the last purpose ${title} may use your data for: all ${buffered} record(s) waiting in the hub for it will be deleted now, and the keys that sealed them destroyed.`,
          already,
        ],
      };
    }
    // Other purposes keep consent: the hub skips, at delivery, records that served only this purpose.
    const scanned = hub.buffer.pending(integration, options.previewScanLimit);
    let onlyThis = 0;
    let mixed = 0;
    for (const record of scanned) {
      let purposes: unknown;
      try {
        purposes = (decode(record.payload) as { p?: unknown })?.p;
      } catch {
        continue;
      }
      if (!Array.isArray(purposes) || !purposes.includes(purposeId)) continue;
      if (purposes.some((p) => typeof p === 'string' && allowedAfter(p))) mixed++;
      else onlyThis++;
    }
    const effects = [stops, `${onlyThis} record(s) waiting in the hub only for this purpose will be skipped and deleted when ${title} is next delivered to, not sent.`];
    if (mixed > 0) effects.push(`${mixed} waiting record(s) also serve purposes you still allow; they were gathered before and will be sent as they are.`);
    if (scanned.length < buffered) effects.push(`Only the oldest ${scanned.length} of ${buffered} waiting records were checked; the rest are treated the same way.`);
    effects.push(already);
    return { ...base, last, bufferedRecords: onlyThis, effects };
  }

  return {
    consent(): ConsentEntry[] {
      return hub.integrations.flatMap((id) => contractOf(id).purposes.map((p) => consentEntry(id, p.id)));
    },

    giveConsent(integration, purpose, actor) {
      const { purpose: p } = purposeOf(integration, purpose);
      // Giving twice changes nothing and writes nothing; a purpose without consent needs no decision.
      if (p.requiresConsent && !hub.consent.isGiven(integration, purpose)) hub.giveConsent(integration, purpose, actorString(actor));
      return consentEntry(integration, purpose);
    },

    withdrawalPreview(integration, purpose) {
      const { last: _last, ...preview } = plan(integration, purpose);
      return preview;
    },

    withdrawConsent(integration, purpose, actor): PurgeResult {
      const { purpose: p } = purposeOf(integration, purpose);
      const { last, ...preview } = plan(integration, purpose);
      if (!p.requiresConsent) throw new FacadeError(409, 'consent-not-needed', preview.effects[0]!);
      if (!hub.consent.isGiven(integration, purpose)) {
        return { ...preview, purgedRecords: 0, auditSeq: decisionBook().get(pairKey(integration, purpose))?.seq ?? hub.audit.head().seq };
      }
      const before = hub.buffer.stats(integration).records;
      hub.withdrawConsent(integration, purpose, actorString(actor));
      const decision = decisionBook().get(pairKey(integration, purpose))!;
      // The last purpose going purges at once (the hub's withdrawal handler); otherwise records are skipped at delivery.
      const purgedRecords = last ? before - hub.buffer.stats(integration).records : 0;
      return { ...preview, purgedRecords, auditSeq: decision.seq };
    },

    forgetIntegration(integration) {
      const book = decisionBook();
      for (const key of [...book.keys()]) if (key.startsWith(`${integration}\u0000`)) book.delete(key);
    },

    stop: unsubscribe,
  };
}
