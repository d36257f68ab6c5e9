import { recordOutboundMessage, type OutboundMessage, type TenantTransaction } from '@pulsegap/db';
import nodemailer from 'nodemailer';

/** The transaction a message is sent in: the one that marks it sent. */
export interface SendingTransaction {
  readonly trx: TenantTransaction;
  readonly organizationId: string;
}

/**
 * Sends the service's messages: by SMTP when configured, else into the development outbox.
 * Each is sent within the transaction that records it as sent (`SendingTransaction`): the
 * development outbox writes in it, so a message and its record commit together.
 */
export interface Mailer {
  send(message: OutboundMessage, within: SendingTransaction): Promise<void>;
  close(): void;
}

/** A mailer over SMTP (`smtp://user:pass@host:port`, `smtps://…`) with nodemailer. */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
    },
    close() {
      transport.close();
    },
  };
}

/** The development outbox: messages are stored and listed at `GET /api/v1/dev/outbox`. */
export function outboxMailer(): Mailer {
  return {
    send: (message, { trx, organizationId }) => recordOutboundMessage(trx, organizationId, message),
    close() {
      // Nothing to close: the messages go into the caller's transaction.
    },
  };
}
