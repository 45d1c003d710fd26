/**
 * The email channel: SendGrid through @sendgrid/mail, the shipped HTML email (lib/templates/email), one-click
 * unsubscribe. Everything Email Send knows beyond the shared send-node code is here.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { UNSUBSCRIBE_WEBHOOK_PATH, unsubscribeSecret } from '../../consent/unsubscribe';
import { toNodeError } from '../../n8n/errors';
import { optionalStr as str } from '../../n8n/parameters';
import { productionWebhookUrl } from '../../n8n/urls';
import { buildTemplateContext, LANGUAGES, renderEmail, TemplateError, type EmailTemplates, type Language } from '../../templates';
import type { ChannelDefinition, ChannelSender } from '../types';
import { emailAddress } from './address';
import { emailAdapter, emailPreviewOptions, emailRecipient, emailTemplatesFromFields, type EmailMessage, type ItemParameter } from './builder';
import { EMAIL_COPY_FIELDS, emailCopyProperties } from './copy';
import { emailNodeParameters } from './parameters';
import { SendGridClient, testSendGridCredentials, type SendGridCredentials } from './transport';
import { sendGridWebhook } from './events';

export { emailAddress } from './address';
export * from './builder';
export * from './copy';
export * from './transport';

interface EmailShared {
	templates: (itemIndex: number, lang: Language) => EmailTemplates;
	client: SendGridClient;
	secret: string;
}

/** Email Send's execution: per-item settings from its parameters. */
function emailSender(ctx: IExecuteFunctions): ChannelSender<SendGridCredentials, SendGridClient, EmailShared, EmailMessage> {
	// null, not an error, for a field the node does not have for this item (another language's, hidden).
	const read: ItemParameter = (name, i) => ctx.getNodeParameter(name, i, null);
	const shopOf = (i: number) => {
		const shop = ctx.getNodeParameter('shop', i, {}) as IDataObject;
		return { name: str(shop.name), email: str(shop.email), phone: str(shop.phone), address: str(shop.address) };
	};
	const unsubscribeBase = (i: number) => str(ctx.getNodeParameter('unsubscribeBaseUrl', i, '')) ?? productionWebhookUrl(ctx, UNSUBSCRIBE_WEBHOOK_PATH);
	const templatesFor = () => emailTemplatesFromFields(read, ctx.getNodeParameter('template', 0, 'builtIn') === 'custom');
	let previewTemplates: ReturnType<typeof templatesFor> | undefined;
	return {
		prepare: async ({ client, language, store }) => {
			// Every item's text, in every language it may be sent in, compiles now: a broken field fails the node,
			// naming the field, before anything is claimed or sent.
			const templates = templatesFor();
			const languages: Language[] = language === 'auto' ? [...LANGUAGES] : [language];
			ctx.getInputData().forEach((_, i) => languages.forEach((lang) => templates(i, lang)));
			return { templates, client, secret: await unsubscribeSecret(store) };
		},
		adapter: (shared, { index: i, request, language, options, discount, intro, aiCopy, restoreUrl, recommendations }) =>
			emailAdapter(
				{
					client: shared.client,
					language,
					shop: shopOf(i),
					discount,
					intro,
					written: aiCopy,
					restoreUrl,
					unsubscribe: {
						baseUrl: unsubscribeBase(i),
						secret: shared.secret,
						mailto: str(ctx.getNodeParameter('unsubscribeMailto', i, '')),
					},
					campaign: request.campaign ?? 'abandoned-cart',
					stage: request.stage,
					sandbox: options.sandbox === true,
					fromName: str(options.fromName),
					replyTo: str(options.replyTo),
					categories: String(options.categories ?? '')
						.split(',')
						.map((c) => c.trim())
						.filter(Boolean),
					recommendations,
				},
				(lang) => shared.templates(i, lang),
			),
		preview: async ({ index: i, cart, sample, lang, stage, discount, recommendations }) => {
			previewTemplates ??= templatesFor();
			let rendered;
			try {
				const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
				const offer = ctx.getInputData()[i]?.json?.offer as IDataObject | undefined;
				const context = buildTemplateContext({
					cart,
					stage,
					language: lang,
					shop: shopOf(i),
					discount,
					intro: typeof offer?.intro === 'string' ? offer.intro : null,
					restoreUrl: str(options.restoreUrl),
					// A link that unsubscribes nobody: the real one carries a token per recipient.
					unsubscribeUrl: `${unsubscribeBase(i)}?token=preview`,
					recommendations,
				});
				rendered = renderEmail(previewTemplates(i, lang), context);
			} catch (error) {
				if (error instanceof TemplateError) {
					throw new NodeOperationError(ctx.getNode(), error.message, { itemIndex: i, description: 'Fix the text; nothing was sent' });
				}
				throw toNodeError(ctx.getNode(), error, i);
			}
			const { subject, preheader, headline, intro, offer, button, text, html } = rendered;
			return {
				json: {
					cart_id: sample ? null : cart.cart_id,
					sample_cart: sample,
					preview: {
						channel: 'email',
						language: lang,
						stage,
						subject,
						subject_characters: Array.from(subject).length,
						preheader,
						preheader_characters: Array.from(preheader).length,
						headline,
						intro,
						offer: discount?.code ? offer : '',
						discount_code: discount?.code ?? null,
						button,
						text,
					},
				},
				binary: { data: await ctx.helpers.prepareBinaryData(Buffer.from(html, 'utf8'), 'email.html', 'text/html') },
				pairedItem: { item: i },
			};
		},
	};
}

export const emailChannel: ChannelDefinition<SendGridCredentials, SendGridClient, EmailShared, EmailMessage> = {
	name: 'email',
	noun: 'email',
	provider: 'SendGrid',
	address: emailAddress,
	recipient: emailRecipient,
	credential: {
		name: 'sendGridCartRecoveryApi',
		testedBy: 'sendGridCartRecoveryTest',
		async test(credential) {
			const result = await testSendGridCredentials(credential.data as unknown as SendGridCredentials);
			return { status: result.ok ? 'OK' : 'Error', message: result.message };
		},
	},
	client: (credentials) => new SendGridClient(credentials),
	// SendGrid: at most 10 categories per email, each up to 255 characters.
	limits: { categories: 10, categoryCharacters: 255 },
	// Email is not intrusive at night: no quiet hours, no cap, unless the node says so.
	policy: { quietHours: false, frequencyCap: 0, capLabel: 'Max Emails per Customer' },
	parameters: { ...emailNodeParameters(), copy: emailCopyProperties(), recommendations: true },
	preview: {
		method: 'emailPreview',
		options: emailPreviewOptions,
		dependsOn: ['stage', 'language', ...EMAIL_COPY_FIELDS],
		description: 'Open the list to read this email as Anna, a sample customer with two items in her cart, would get it, with the text above',
	},
	sender: emailSender,
	events: sendGridWebhook,
};
