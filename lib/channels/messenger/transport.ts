import type { IDataObject } from 'n8n-workflow';

import { requireMessenger, type MetaCredentials } from '../meta/credentials';
import { graphRequest, type GraphContext } from '../meta/transport';
import type { MessengerPayload } from './messages';

/**
 * Messenger Send API calls: send a message as the page, and read the page (credential Test). Sends go to
 * `POST /{page-id}/messages` with the Page access token; errors arrive as MetaGraphError (code 10 / subcode
 * 2018278 = outside the 24-hour window).
 */

/** `POST /{page-id}/messages` success body. */
export interface MessengerSendResponse {
	recipient_id: string;
	message_id: string;
}

export interface MessengerSent {
	messageId: string;
	recipientId: string;
}

export async function sendMessengerMessage(ctx: GraphContext, credentials: MetaCredentials, payload: MessengerPayload): Promise<MessengerSent> {
	const access = requireMessenger(credentials);
	const { body } = await graphRequest<MessengerSendResponse>(ctx, credentials, {
		channel: 'messenger',
		method: 'POST',
		path: `${access.pageId}/messages`,
		token: access.token,
		body: payload as unknown as IDataObject,
	});
	if (!body?.message_id) throw new Error('Messenger answered without a message id');
	return { messageId: body.message_id, recipientId: body.recipient_id };
}

export interface FacebookPage {
	id: string;
	name?: string;
}

/** `GET /{page-id}` with the page token: the page exists and the token can read it. */
export async function readFacebookPage(ctx: GraphContext, credentials: MetaCredentials): Promise<FacebookPage> {
	const access = requireMessenger(credentials);
	const { body } = await graphRequest<FacebookPage>(ctx, credentials, { channel: 'messenger', method: 'GET', path: access.pageId, token: access.token, qs: { fields: 'id,name' } });
	return body;
}

/** `GET /me` with the page token: the page the token belongs to (a Page access token's "me" is the page). */
export async function readTokenOwner(ctx: GraphContext, credentials: MetaCredentials): Promise<FacebookPage> {
	const access = requireMessenger(credentials);
	const { body } = await graphRequest<FacebookPage>(ctx, credentials, { channel: 'messenger', method: 'GET', path: 'me', token: access.token, qs: { fields: 'id,name' } });
	return body;
}
