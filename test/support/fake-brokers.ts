/**
 * TEST FIXTURE: the runtime's broker power in memory. Each connection the
 * runtime opens is kept with what it asked for (role, will, subscriptions)
 * and what it published; the test decides when it connects, drops and what
 * arrives, as a broker would. Portable (Node and XS).
 */
import { utf8 } from '../../modules/bytes.js';
import type { BrokerConnection, BrokerHandlers, BrokerRequest, ConnectBroker } from '../../modules/hub/runtime-brokers.js';
import type { PublishOptions } from '../../modules/monitor/publisher.js';

export interface Published {
  topic: string;
  payload: string;
  options: PublishOptions;
}

export class FakeBrokerConnection implements BrokerConnection {
  readonly request: BrokerRequest;
  readonly published: Published[] = [];
  connected = false;
  closed = false;
  readonly #handlers: BrokerHandlers;

  constructor(request: BrokerRequest, handlers: BrokerHandlers) {
    this.request = request;
    this.#handlers = handlers;
  }

  readonly publish = (topic: string, payload: string, options: PublishOptions): void => {
    if (this.connected) this.published.push({ topic, payload, options });
  };

  /** The broker accepted the connection (again). */
  connect(): void {
    this.connected = true;
    this.#handlers.connected();
  }

  /** The broker refused the connection (bad credentials): the host says why and, like a real one, retries. */
  refuse(reason: string): void {
    this.#handlers.failed?.(reason);
  }

  drop(): void {
    this.connected = false;
  }

  /** A message on a subscribed topic. */
  deliver(topic: string, payload: string): void {
    if (!this.request.subscriptions.some((s) => s === topic || (s.endsWith('#') && topic.startsWith(s.slice(0, -1))))) return;
    this.#handlers.message(topic, utf8(payload));
  }

  on(topic: string): Published[] {
    return this.published.filter((p) => p.topic === topic);
  }

  close(): Promise<void> {
    this.closed = true;
    this.connected = false;
    return Promise.resolve();
  }
}

export function fakeBrokers(): { connect: ConnectBroker; opened: FakeBrokerConnection[]; role(role: BrokerRequest['role']): FakeBrokerConnection } {
  const opened: FakeBrokerConnection[] = [];
  return {
    opened,
    connect: (request, handlers) => {
      const connection = new FakeBrokerConnection(request, handlers);
      opened.push(connection);
      return connection;
    },
    role(role) {
      const found = opened.find((c) => c.request.role === role);
      if (!found) throw new Error(`no ${role} connection was opened`);
      return found;
    },
  };
}
