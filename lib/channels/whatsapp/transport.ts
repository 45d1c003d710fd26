import type { IDataObject } from 'n8n-workflow';

import { requireBusinessAccount, requireWhatsApp, type MetaCredentials } from '../meta/credentials';
import { graphRequest, type GraphContext } from '../meta/transport';
import type { WhatsAppPayload } from './messages';

/**
 * WhatsApp Cloud API calls: send a message, list the business account's approved templates, read the sending
 * phone number (credential Test). All through the shared Graph transport, so errors arrive as MetaGraphError.
 */

/** `POST /{phone-number-id}/messages` success body. */
export interface WhatsAppSendResponse {
	messaging_product: 'whatsapp';
	contacts?: Array<{ input: string; wa_id: string }>;
	messages: Array<{ id: string; message_status?: 'accepted' | 'held_for_quality_assessment' | 'paused' | string }>;
}

export interface WhatsAppSent {
	/** The wamid: status webhooks refer to it. */
	messageId: string;
	/** The WhatsApp id Meta resolved the number to (may differ from the number sent, e.g. Brazil/Mexico). */
	waId?: string;
	input?: string;
	/** Only on template sends: accepted / held_for_quality_assessment / paused. */
	messageStatus?: string;
}

export async function sendWhatsAppMessage(ctx: GraphContext, credentials: MetaCredentials, payload: WhatsAppPayload): Promise<WhatsAppSent> {
	const access = requireWhatsApp(credentials);
	const template = payload.type === 'template' ? { name: payload.template.name, language: payload.template.language.code } : undefined;
	const { body } = await graphRequest<WhatsAppSendResponse>(ctx, credentials, {
		channel: 'whatsapp',
		method: 'POST',
		path: `${access.phoneNumberId}/messages`,
		token: access.token,
		body: payload as unknown as IDataObject,
		template,
	});
	const message = body?.messages?.[0];
	if (!message?.id) throw new Error('WhatsApp answered without a message id');
	return { messageId: message.id, waId: body.contacts?.[0]?.wa_id, input: body.contacts?.[0]?.input, messageStatus: message.message_status };
}

/** One template of `GET /{waba-id}/message_templates`. */
export interface WhatsAppTemplate {
	id: string;
	name: string;
	language: string;
	status: string;
	category: string;
	parameter_format?: 'POSITIONAL' | 'NAMED';
	components?: Array<{
		type: string;
		format?: string;
		text?: string;
		buttons?: Array<{ type: string; text?: string; url?: string; example?: unknown }>;
		example?: unknown;
	}>;
}

interface TemplatePage {
	data: WhatsAppTemplate[];
	paging?: { cursors?: { before?: string; after?: string }; next?: string };
}

/**
 * The business account's templates (all pages), newest first as Meta returns them. `status` filters
 * (default APPROVED: only those can be sent). Paging follows `cursors.after` against our own base URL rather
 * than the absolute `paging.next` link, so an overridden base URL keeps working.
 */
export async function listWhatsAppTemplates(
	ctx: GraphContext,
	credentials: MetaCredentials,
	options: { status?: string; limit?: number; maxPages?: number } = {},
): Promise<WhatsAppTemplate[]> {
	const access = requireBusinessAccount(credentials);
	const out: WhatsAppTemplate[] = [];
	let after: string | undefined;
	for (let page = 0; page < (options.maxPages ?? 20); page++) {
		const qs: Record<string, string | number> = {
			fields: 'id,name,language,status,category,parameter_format,components',
			limit: options.limit ?? 100,
		};
		if (options.status !== '') qs.status = options.status ?? 'APPROVED';
		if (after) qs.after = after;
		const { body } = await graphRequest<TemplatePage>(ctx, credentials, {
			channel: 'whatsapp',
			method: 'GET',
			path: `${access.businessAccountId}/message_templates`,
			token: access.token,
			qs,
		});
		out.push(...(body?.data ?? []));
		after = body?.paging?.next ? body.paging.cursors?.after : undefined;
		if (!after) break;
	}
	return out;
}

/** `GET /{phone-number-id}`: the number the credential sends from. */
export interface WhatsAppPhoneNumber {
	id: string;
	display_phone_number?: string;
	verified_name?: string;
	quality_rating?: string;
	code_verification_status?: string;
}

export async function readWhatsAppPhoneNumber(ctx: GraphContext, credentials: MetaCredentials): Promise<WhatsAppPhoneNumber> {
	const access = requireWhatsApp(credentials);
	const { body } = await graphRequest<WhatsAppPhoneNumber>(ctx, credentials, {
		channel: 'whatsapp',
		method: 'GET',
		path: access.phoneNumberId,
		token: access.token,
		qs: { fields: 'id,display_phone_number,verified_name,quality_rating,code_verification_status' },
	});
	return body;
}
