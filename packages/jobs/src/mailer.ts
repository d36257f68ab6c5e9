import {
  recordOutboundMessage,
  withTenant,
  type Database,
  type OutboundMessage,
} from '@pulsegap/db';
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';

/** Sends the service's messages: by SMTP when configured, else into the development outbox. */
export interface Mailer {
  send(organizationId: string, message: OutboundMessage): Promise<void>;
  close(): void;
}

/** A mailer over SMTP (`smtp://user:pass@host:port`, `smtps://…`) with nodemailer. */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(_organizationId, message) {
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
export function outboxMailer(db: Kysely<Database>): Mailer {
  return {
    send: (organizationId, message) =>
      withTenant(db, organizationId, (trx) => recordOutboundMessage(trx, organizationId, message)),
    close() {
      // Nothing to close: the database belongs to the process.
    },
  };
}
