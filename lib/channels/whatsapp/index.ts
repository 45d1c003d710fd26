/**
 * The WhatsApp channel: Meta's Cloud API through n8n's request helpers (lib/channels/meta/transport.ts), E.164
 * numbers sent without '+', the 24-hour service window (store.serviceWindow) and Meta's error codes. Everything
 * WhatsApp Send knows beyond the shared send-node code is here.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { toNodeError } from '../../n8n/errors';
import { isoRegion, regionOrFail } from '../../n8n/isoCodes';
import { optionalStr as str } from '../../n8n/parameters';
import { buildTemplateContext, LANGUAGES, TemplateError, type Language } from '../../templates';
import { metaCartRecoveryTest } from '../meta/credentialTest';
import { META_CREDENTIAL, readMetaCredentials, type MetaCredentials } from '../meta/credentials';
import { MessageLimitError } from '../meta/limits';
import type { GraphContext } from '../meta/transport';
import type { CountryCode } from '../phone';
import type { ChannelDefinition, ChannelSender } from '../types';
import { whatsappAddress } from './address';
import {
	parseTemplateChoice,
	readTemplateValues,
	whatsappAdapter,
	listPreview,
	replyButtonsPreview,
	whatsappInteractivePayload,
	whatsappListPayload,
	whatsappPreviewOptions,
	whatsappReplyButtonsPayload,
	whatsappRecipient,
	whatsappTextPayload,
	whatsappTextsFromFields,
	WHATSAPP_ERROR_RULES,
	type ChosenTemplate,
	type WhatsAppMessage,
} from './builder';
import { WHATSAPP_LIMITS } from './messages';
import { TEMPLATE_LABEL, templateFieldName, WHATSAPP_COPY_FIELDS, whatsappCopyProperties, whatsappNodeParameters, type WhatsAppKind } from './parameters';
import { listWhatsAppTemplates, type WhatsAppTemplate } from './transport';
import { metaWebhook } from '../meta/webhook';

export { whatsappAddress } from './address';
export * from './builder';
export * from './parameters';

interface WhatsAppShared {
	credentials: MetaCredentials;
	regions: CountryCode[];
	/** The account's approved templates by "name|language" (read once, when some item may send a template). */
	templates: Map<string, WhatsAppTemplate>;
}

const KINDS: WhatsAppKind[] = ['auto', 'template', 'interactive', 'replyButtons', 'list', 'text'];

function whatsappSender(ctx: IExecuteFunctions): ChannelSender<MetaCredentials, MetaCredentials, WhatsAppShared, WhatsAppMessage> {
	const texts = whatsappTextsFromFields((name, i) => ctx.getNodeParameter(name, i, null));
	const kindOf = (i: number): WhatsAppKind => {
		const kind = String(ctx.getNodeParameter('messageKind', i, 'auto') || 'auto') as WhatsAppKind;
		if (!KINDS.includes(kind)) throw new NodeOperationError(ctx.getNode(), `Message Kind must be auto, template, interactive, replyButtons, list or text, not "${kind}"`, { itemIndex: i });
		return kind;
	};
	const choiceOf = (i: number, lang: Language) => parseTemplateChoice(ctx.getNodeParameter(templateFieldName(lang), i, ''));
	return {
		prepare: async ({ client: credentials, language }) => {
			const items = ctx.getInputData();
			const regions = items.map((_, i) => {
				const value = String(ctx.getNodeParameter('region', i, 'HU') ?? '').trim() || 'HU';
				return (isoRegion(value) ?? regionOrFail(ctx.getNode(), 'Default Country', value, i)) as CountryCode;
			});
			const languages: Language[] = language === 'auto' ? [...LANGUAGES] : [language];
			// Every text compiles now, and every item that may send a template has one chosen, approved in the account:
			// a broken field fails the node, naming it, before anything is claimed or sent.
			items.forEach((_, i) => languages.forEach((lang) => texts(i, lang)));
			const templates = new Map<string, WhatsAppTemplate>();
			const needed = items.flatMap((_, i) => (['auto', 'template'].includes(kindOf(i)) ? languages.map((lang) => ({ i, lang, choice: choiceOf(i, lang) })) : []));
			for (const { i, lang, choice } of needed) {
				if (!choice) {
					throw new NodeOperationError(ctx.getNode(), `${TEMPLATE_LABEL[lang]} is empty`, {
						itemIndex: i,
						description: 'Pick the approved template customers get outside the 24-hour window (Message Kind Auto or Template); nothing was claimed or sent',
					});
				}
			}
			if (needed.length) {
				const list = await listWhatsAppTemplates(ctx as unknown as GraphContext, credentials);
				list.forEach((t) => templates.set(`${t.name}|${t.language}`, t));
				for (const { i, lang, choice } of needed) {
					if (!templates.has(`${choice!.name}|${choice!.language}`)) {
						throw new NodeOperationError(ctx.getNode(), `${TEMPLATE_LABEL[lang]}: "${choice!.name}" (${choice!.language}) is not an approved template in this WhatsApp Business Account`, {
							itemIndex: i,
							description: 'Pick it again from the list (it may have been renamed, paused or rejected); nothing was claimed or sent',
						});
					}
				}
			}
			return { credentials, regions, templates };
		},
		adapter: (shared, { index: i, request, language, options, discount, intro, aiCopy, restoreUrl, recommendations }) =>
			whatsappAdapter({
				ctx: ctx as unknown as GraphContext,
				credentials: shared.credentials,
				kind: kindOf(i),
				language,
				stage: request.stage,
				shop: { name: str(options.shopName) },
				discount,
				intro,
				restoreUrl,
				region: shared.regions[i],
				texts: (lang) => texts(i, lang),
				written: aiCopy,
				template: (lang): ChosenTemplate | null => {
					const choice = choiceOf(i, lang);
					return choice ? { field: TEMPLATE_LABEL[lang], ...choice, definition: shared.templates.get(`${choice.name}|${choice.language}`) } : null;
				},
				values: readTemplateValues(ctx.getNodeParameter('templateValues', i, {})),
				recommendations,
			}),
		preview: ({ index: i, cart, sample, lang, stage, discount, recommendations }) => {
			const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
			const kind = kindOf(i);
			const offer = ctx.getInputData()[i]?.json?.offer as IDataObject | undefined;
			const preview: IDataObject = { channel: 'whatsapp', language: lang, stage, kind };
			try {
				const context = buildTemplateContext({
					cart,
					stage,
					language: lang,
					shop: { name: str(options.shopName) },
					discount,
					intro: typeof offer?.intro === 'string' ? offer.intro : null,
					restoreUrl: str(options.restoreUrl),
					recommendations,
				});
				const to = (whatsappRecipient(cart).ok ? (whatsappRecipient(cart) as { address: string }).address : '+36301234567').replace(/^\+/, '');
				if (kind === 'text') preview.text = whatsappTextPayload(to, texts(i, lang), context).text.body;
				if (kind === 'replyButtons') Object.assign(preview, replyButtonsPreview(whatsappReplyButtonsPayload(to, texts(i, lang), context)));
				if (kind === 'list') {
					const list = listPreview(whatsappListPayload(to, texts(i, lang), context));
					// The cart's rows; with recommended products, theirs apart (the list's second section).
					Object.assign(preview, { body: list.body, button: list.button, items: list.sections[0]?.rows ?? [], ...(list.sections.length > 1 ? { recommended: list.sections[1].rows } : {}) });
				}
				if (kind === 'auto' || kind === 'interactive') {
					const interactive = whatsappInteractivePayload(to, texts(i, lang), context).interactive as { body: { text: string }; action: { parameters: { display_text: string; url: string } } };
					preview.body = interactive.body.text;
					preview.button = interactive.action.parameters.display_text;
					preview.url = interactive.action.parameters.url;
				}
				if (kind === 'auto' || kind === 'template') {
					const choice = choiceOf(i, lang);
					preview.template = choice ? `${choice.name} (${choice.language})` : null;
				}
			} catch (error) {
				if (error instanceof TemplateError || error instanceof MessageLimitError) {
					throw new NodeOperationError(ctx.getNode(), error.message, { itemIndex: i, description: 'Fix the text; nothing was sent' });
				}
				throw toNodeError(ctx.getNode(), error, i);
			}
			return { json: { cart_id: sample ? null : cart.cart_id, sample_cart: sample, preview }, pairedItem: { item: i } };
		},
	};
}

export const whatsappChannel: ChannelDefinition<MetaCredentials, MetaCredentials, WhatsAppShared, WhatsAppMessage> = {
	name: 'whatsapp',
	noun: 'WhatsApp message',
	provider: 'WhatsApp',
	address: whatsappAddress,
	recipient: whatsappRecipient,
	credential: { name: META_CREDENTIAL, testedBy: 'metaCartRecoveryTest', test: metaCartRecoveryTest },
	// The Graph calls need the node's request helpers: the "client" is the tidied credential the transport reads.
	client: (credentials) => readMetaCredentials(credentials as unknown as object),
	limits: { ...WHATSAPP_LIMITS },
	// A message at night wakes people: quiet hours on, one WhatsApp message per customer a day, as SMS.
	policy: { quietHours: true, frequencyCap: 1, capLabel: 'Max WhatsApp Messages per Customer' },
	parameters: { ...whatsappNodeParameters(), copy: whatsappCopyProperties(), recommendations: true },
	preview: {
		method: 'whatsappPreview',
		options: whatsappPreviewOptions,
		dependsOn: ['stage', 'language', 'messageKind', 'templateHu', 'templateEn', 'templateValues', 'options', ...WHATSAPP_COPY_FIELDS],
		description: 'Open the list to read the WhatsApp message Anna, a sample customer with two items in her cart, would get',
	},
	sender: whatsappSender,
	errors: WHATSAPP_ERROR_RULES,
	events: metaWebhook,
};
