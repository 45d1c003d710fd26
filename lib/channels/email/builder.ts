import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { buildUnsubscribeUrl } from '../../consent/unsubscribe';
import {
	buildTemplateContext,
	sendContext,
	EMAIL_PIECE_LABELS,
	emailTemplates,
	renderEmail,
	TemplateError,
	type CustomEmailTemplates,
	type DiscountInfo,
	type EmailTemplates,
	type Language,
	type RenderedEmail,
	type ShopInfo,
} from '../../templates';
import { templateLanguage } from '../../templates/helpers';
import type { Cart, RecommendedProduct } from '../../store';
import type { ChannelAdapter, RecipientResult } from '../../delivery/types';
import type { CopySource, WrittenCopy } from '../../ai/types';
import { describeCopy, writtenText } from '../../ai/written';
import { panelParameter, panelSetup, previewLine, sampleCart, sampleLine } from '../preview';
import { isEmailAddress } from './address';
import { readEmailCopy } from './copy';
import type { SendGridClient, SendGridMail } from './transport';

export interface EmailChannelOptions {
	client: SendGridClient;
	language: Language | 'auto';
	custom?: CustomEmailTemplates;
	shop?: ShopInfo;
	discount?: Partial<DiscountInfo> | null;
	intro?: string | null;
	/** The AI Offer Writer's copy: its subject, preview text and intro replace the template's in its language. */
	written?: WrittenCopy;
	restoreUrl?: string | null;
	unsubscribe: { baseUrl: string; secret: string; mailto?: string | null };
	campaign: string;
	stage: number;
	sandbox?: boolean;
	/** Overrides the credential's From Name / Reply-To (the shipped workflow sets them once, in Shop Settings). */
	fromName?: string;
	replyTo?: string;
	categories?: string[];
	timezone?: string;
	/** Cart Check's recommended products: a “You may also like” block under the cart (the first 4). */
	recommendations?: RecommendedProduct[];
}

export interface EmailMessage {
	mail: SendGridMail;
	rendered: RenderedEmail;
	/** Whether the AI Offer Writer's subject, preview text or intro is in it. */
	copy: CopySource;
}

/** The cart's email address, checked and lower-cased; the consent subject it is asked about. */
export function emailRecipient(cart: Cart): RecipientResult {
	const email = cart.email?.trim();
	if (!email) return { ok: false, reason: 'no_address', detail: 'The cart has no email address' };
	if (!isEmailAddress(email)) return { ok: false, reason: 'invalid_address', detail: `"${email}" is not an email address` };
	return { ok: true, address: email.toLowerCase(), subject: { customerId: cart.customer_id, email } };
}

/** A node parameter of one input item; null when the node has no such parameter (e.g. a language's hidden fields). */
export type ItemParameter = (name: string, itemIndex: number) => unknown;

/**
 * The email templates of one input item in one language, from the node's fields: the text fields (Subject …
 * Button Label), the custom HTML when Template is Custom, the plain-text template. Fields that are the same for
 * every item compile once.
 */
export function emailTemplatesFromFields(read: ItemParameter, customHtml: boolean): (itemIndex: number, lang: Language) => EmailTemplates {
	const compiled = new Map<string, EmailTemplates>();
	return (i, lang) => {
		const options = (read('options', i) ?? {}) as { textTemplate?: unknown };
		const custom: CustomEmailTemplates = {
			html: customHtml ? String(read('htmlTemplate', i) ?? '') : undefined,
			text: typeof options.textTemplate === 'string' ? options.textTemplate : undefined,
			pieces: readEmailCopy((name) => read(name, i), lang),
		};
		const key = JSON.stringify([lang, custom]);
		let templates = compiled.get(key);
		if (!templates) {
			templates = emailTemplates(lang, custom);
			compiled.set(key, templates);
		}
		return templates;
	};
}

/** Preview list of Email Send: each rendered text piece per language, for the sample cart and the panel's fields. */
export async function emailPreviewOptions(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const get = panelParameter(this);
	const { stage, languages, discount } = panelSetup(get);
	const both = languages.length > 1;
	const options = [sampleLine(discount)];
	for (const lang of languages) {
		let rendered: RenderedEmail;
		try {
			const templates = emailTemplates(lang, { pieces: readEmailCopy(get, lang) });
			rendered = renderEmail(templates, buildTemplateContext({ cart: sampleCart(), stage, language: lang, discount, unsubscribeUrl: 'https://example.com/unsubscribe' }));
		} catch (error) {
			if (!(error instanceof TemplateError)) throw error;
			options.push(previewLine(lang, both, 'error', '⚠ Cannot show this text', `${error.templateName}${error.line ? `, line ${error.line}` : ''}: ${error.reason}`));
			continue;
		}
		for (const piece of ['subject', 'preheader', 'headline', 'intro'] as const) {
			options.push(previewLine(lang, both, piece, EMAIL_PIECE_LABELS[piece].replace(' Line', ''), rendered[piece] || '(none)'));
		}
		options.push(
			previewLine(lang, both, 'offer', 'Offer', discount?.code ? `${rendered.offer} ${discount.code}`.trim() : '(not shown: no discount code at this stage)'),
		);
		options.push(previewLine(lang, both, 'button', 'Button', rendered.button));
	}
	return options;
}

/** The email channel for the delivery pipeline: SendGrid, our templates, one-click unsubscribe. */
export function emailAdapter(options: EmailChannelOptions, templatesFor: (lang: Language) => EmailTemplates): ChannelAdapter<EmailMessage> {
	return {
		channel: 'email',
		provider: 'SendGrid',
		recipient: emailRecipient,
		render({ cart, address, messageId }) {
			const unsubscribeUrl = buildUnsubscribeUrl({ baseUrl: options.unsubscribe.baseUrl, secret: options.unsubscribe.secret, channel: 'email', address });
			const lang = options.language === 'auto' ? templateLanguage(cart.locale) : options.language;
			const context = sendContext(options, cart, lang, { intro: writtenText(options.written, 'email_intro', lang) ?? options.intro, unsubscribeUrl });
			// Subject and preview text are within their limits: the AI Offer Writer's guardrails checked them.
			const subject = writtenText(options.written, 'subject', lang);
			const preheader = writtenText(options.written, 'preheader', lang);
			if (subject) context.subject = subject;
			if (preheader) context.preheader = preheader;
			const copy: CopySource = subject || preheader || writtenText(options.written, 'email_intro', lang) ? 'ai' : 'template';
			const rendered = renderEmail(templatesFor(lang), context);
			const token = new URL(unsubscribeUrl).searchParams.get('token') ?? '';
			const mailto = options.unsubscribe.mailto?.trim();
			// RFC 2369 + RFC 8058: an HTTPS URI for the one-click POST, and a mailto for clients that prefer mail.
			const listUnsubscribe = [`<${unsubscribeUrl}>`, ...(mailto ? [`<mailto:${mailto}?subject=unsubscribe%20${token}>`] : [])].join(', ');
			const name = [cart.first_name, cart.last_name].filter(Boolean).join(' ').trim();
			return {
				rendered,
				copy,
				mail: {
					to: { email: address, ...(name ? { name } : {}) },
					subject: rendered.subject,
					html: rendered.html,
					text: rendered.text,
					headers: { 'List-Unsubscribe': listUnsubscribe, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
					// SendGrid keeps custom_args with its event data: our message id only, no personal data.
					customArgs: { cr_message_id: messageId },
					categories: [...new Set([options.campaign, `stage-${options.stage}`, ...(options.categories ?? [])].filter(Boolean))],
					sandbox: options.sandbox,
					...(options.fromName ? { fromName: options.fromName } : {}),
					...(options.replyTo ? { replyTo: options.replyTo } : {}),
				},
			};
		},
		async send(message) {
			const accepted = await options.client.send(message.mail);
			return { providerId: accepted.providerId, details: { sandbox: !!options.sandbox } };
		},
		describe(message) {
			return { subject: message.rendered.subject, preheader: message.rendered.preheader, intro: message.rendered.intro, ...describeCopy(message) };
		},
		copyOf: (message) => message.copy,
	};
}
