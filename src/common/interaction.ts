import type { FastifyReply } from 'fastify';
import type Provider from 'oidc-provider';

/**
 * What every sign-in step's pages share, defined once: the shape of an interaction id (checked
 * before anything is loaded), the interaction's details as oidc-provider hands them out, and
 * the two answers a step's route gives (an HTML page, or a 303 to the next place). Every answer
 * is no-store: sign-in pages carry CSRF tokens and personal data.
 */
export const INTERACTION_UID = /^[A-Za-z0-9_-]{10,64}$/;

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export function htmlReply(reply: FastifyReply, status: number, html: string): void {
  reply.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
}

export function seeOther(reply: FastifyReply, location: string): void {
  reply.code(303).header('Cache-Control', 'no-store').header('Location', location).send();
}
