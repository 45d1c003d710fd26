/**
 * The Messenger channel: Meta's Send API (`POST /{page-id}/messages`) through n8n's request helpers, the cart as a
 * carousel (or a button template, quick replies, text), only inside the customer's 24-hour window and always with
 * `messaging_type: RESPONSE`, never a message tag. Everything Messenger Send knows beyond the shared send-node code
 * is here and in lib/channels/meta/.
 */
import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { optionalStr as str } from '../../n8n/parameters';
import { buildTemplateContext, LANGUAGES, TemplateError, type Language } from '../../templates';
import { MetaCredentialError, META_CREDENTIAL, readMetaCredentials, requireMessenger, type MetaCredentials } from '../meta/credentials';
import { metaCartRecoveryTest } from '../meta/credentialTest';
import { MessageLimitError } from '../meta/limits';
import type { ChannelDefinition, ChannelSender } from '../types';
import { messengerAddress } from './address';
import {
	asKind,
	buildMessengerMessage,
	describeMessengerMessage,
	messengerAdapter,
	messengerPreviewOptions,
	messengerRecipient,
	messengerSettingsFromFields,
	type MessengerMessage,
	type MessengerMessageSettings,
} from './builder';
import { MESSENGER_COPY_FIELDS, messengerCopyProperties } from './copy';
import { MESSAGE_KIND, messengerNodeParameters } from './parameters';
import { MESSENGER_LIMITS } from './messages';
import { sendMessengerMessage } from './transport';
import { metaWebhook } from '../meta/webhook';

export { messengerAddress } from './address';
export * from './builder';

/** The Meta credential, read and checked for its Messenger part (Page ID and Page access token). */
export interface MessengerClient {
	credentials: MetaCredentials;
}

interface MessengerShared {
	credentials: MetaCredentials;
	settings: (itemIndex: number) => (lang: Language) => Omit<MessengerMessageSettings, 'lang'>;
}

function messengerSender(ctx: IExecuteFunctions): ChannelSender<MetaCredentials, MessengerClient, MessengerShared, MessengerMessage> {
	// null, not an error, for a field the node does not show for this item (another kind's label).
	const read = (i: number) => (name: string) => ctx.getNodeParameter(name, i, null) ?? undefined;
	const options = (i: number) => ctx.getNodeParameter('options', i, {}) as { squareImages?: boolean; shopName?: string };
	const settingsOf = (i: number) => messengerSettingsFromFields(read(i), asKind(ctx.getNodeParameter('messageKind', i, 'carousel')), options(i).squareImages === true);
	return {
		prepare: async ({ client, language }) => {
			// Every item's kind and text, in every language it may go out in, compile now: a broken field fails the node,
			// named, before anything is claimed or sent.
			const languages: Language[] = language === 'auto' ? [...LANGUAGES] : [language];
			const perItem = ctx.getInputData().map((_, i) => {
				const settings = settingsOf(i);
				languages.forEach((lang) => settings(lang));
				return settings;
			});
			return { credentials: client.credentials, settings: (i) => perItem[i] ?? settingsOf(i) };
		},
		adapter: (shared, { index: i, request, language, options: itemOptions, discount, intro, aiCopy, restoreUrl, recommendations }) =>
			messengerAdapter({
				language,
				stage: request.stage,
				settingsFor: shared.settings(i),
				shop: { name: str(itemOptions.shopName) },
				discount,
				intro,
				restoreUrl,
				written: aiCopy,
				recommendations,
				send: (payload) => sendMessengerMessage(ctx, shared.credentials, payload),
			}),
		preview: ({ index: i, cart, sample, lang, stage, discount, recommendations }) => {
			const itemOptions = options(i);
			let message: MessengerMessage;
			try {
				const context = buildTemplateContext({
					cart,
					stage,
					language: lang,
					discount,
					shop: { name: str(itemOptions.shopName) },
					restoreUrl: str((ctx.getNodeParameter('options', i, {}) as { restoreUrl?: string }).restoreUrl),
					recommendations,
				});
				message = { ...buildMessengerMessage(cart.messenger_psid?.trim() || '1234567890123456', context, { ...settingsOf(i)(lang), lang }), copy: 'template' };
			} catch (error) {
				if (error instanceof TemplateError || error instanceof MessageLimitError) {
					throw new NodeOperationError(ctx.getNode(), error.message, { itemIndex: i, description: 'Fix the field; nothing was sent' });
				}
				throw error;
			}
			return { json: { cart_id: sample ? null : cart.cart_id, sample_cart: sample, preview: { channel: 'messenger', stage, ...describeMessengerMessage(message) } as never }, pairedItem: { item: i } };
		},
	};
}

export const messengerChannel: ChannelDefinition<MetaCredentials, MessengerClient, MessengerShared, MessengerMessage> = {
	name: 'messenger',
	noun: 'Messenger message',
	provider: 'Messenger',
	address: messengerAddress,
	recipient: (cart) => messengerRecipient(cart),
	credential: { name: META_CREDENTIAL, testedBy: 'metaCartRecoveryTest', test: metaCartRecoveryTest },
	client: (credentials) => {
		const tidy = readMetaCredentials(credentials);
		try {
			requireMessenger(tidy);
		} catch (error) {
			if (error instanceof MetaCredentialError) throw new Error(`${error.message}: fill in the Messenger part of the Meta (Cart Recovery) API credential`);
			throw error;
		}
		return { credentials: tidy };
	},
	limits: { ...MESSENGER_LIMITS },
	// A chat message at night wakes people as a text does: quiet hours on, one Messenger message per customer a day.
	policy: { quietHours: true, frequencyCap: 1, capLabel: 'Max Messenger Messages per Customer' },
	parameters: (() => {
		const own = messengerNodeParameters();
		// Message Kind first among the channel's parameters, before the text fields that depend on it.
		return { ...own, copy: [MESSAGE_KIND, ...messengerCopyProperties()], recommendations: true };
	})(),
	preview: {
		method: 'messengerPreview',
		options: messengerPreviewOptions,
		dependsOn: ['stage', 'language', 'messageKind', 'discountCode', 'discountText', 'options', ...MESSENGER_COPY_FIELDS],
		description: 'Open the list to read this message as Anna, a sample customer with two items in her cart, would get it in Messenger',
	},
	sender: messengerSender,
	// Code 10 / subcode 2018278 (window closed) is matched in the adapter on code and subcode: code 10 alone is a permission error.
	events: metaWebhook,
};
