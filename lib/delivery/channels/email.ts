import { buildUnsubscribeUrl } from '../../consent/unsubscribe';
import { SendGridClient, type SendGridMail } from '../../providers/sendgrid';
import {
	buildTemplateContext,
	emailTemplates,
	renderEmail,
	type CustomEmailTemplates,
	type DiscountInfo,
	type EmailTemplates,
	type Language,
	type RenderedEmail,
	type ShopInfo,
} from '../../templates';
import { templateLanguage } from '../../templates/helpers';
import type { ChannelAdapter } from '../types';

export interface EmailChannelOptions {
	client: SendGridClient;
	language: Language | 'auto';
	custom?: CustomEmailTemplates;
	shop?: ShopInfo;
	discount?: Partial<DiscountInfo> | null;
	intro?: string | null;
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
}

export interface EmailMessage {
	mail: SendGridMail;
	rendered: RenderedEmail;
}

const EMAIL = /^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/;

/**
 * Compiles the templates of every language the node may use now — a broken template fails here, before
 * anything is claimed or sent — and returns a factory of per-item email channels.
 */
export function prepareEmailTemplates(language: Language | 'auto', custom: CustomEmailTemplates = {}) {
	const languages: Language[] = language === 'auto' ? ['hu', 'en'] : [language];
	const compiled = new Map<Language, EmailTemplates>(languages.map((l) => [l, emailTemplates(l, custom)]));
	return (lang: Language) => compiled.get(lang) ?? compiled.values().next().value!;
}

/** The email channel for the delivery pipeline: SendGrid, our templates, one-click unsubscribe. */
export function emailChannel(options: EmailChannelOptions, templatesFor: (lang: Language) => EmailTemplates): ChannelAdapter<EmailMessage> {
	return {
		channel: 'email',
		provider: 'SendGrid',
		recipient(cart) {
			const email = cart.email?.trim();
			if (!email) return { ok: false, reason: 'no_address', detail: 'The cart has no email address' };
			if (!EMAIL.test(email)) return { ok: false, reason: 'invalid_address', detail: `"${email}" is not an email address` };
			return { ok: true, address: email.toLowerCase(), subject: { customerId: cart.customer_id, email } };
		},
		render({ cart, address, messageId }) {
			const unsubscribeUrl = buildUnsubscribeUrl({ baseUrl: options.unsubscribe.baseUrl, secret: options.unsubscribe.secret, channel: 'email', address });
			const lang = options.language === 'auto' ? templateLanguage(cart.locale) : options.language;
			const context = buildTemplateContext({
				cart,
				stage: options.stage,
				language: lang,
				shop: options.shop,
				discount: options.discount,
				intro: options.intro,
				unsubscribeUrl,
				restoreUrl: options.restoreUrl,
				timezone: options.timezone,
			});
			const rendered = renderEmail(templatesFor(lang), context);
			const token = new URL(unsubscribeUrl).searchParams.get('token') ?? '';
			const mailto = options.unsubscribe.mailto?.trim();
			// RFC 2369 + RFC 8058: an HTTPS URI for the one-click POST, and a mailto for clients that prefer mail.
			const listUnsubscribe = [`<${unsubscribeUrl}>`, ...(mailto ? [`<mailto:${mailto}?subject=unsubscribe%20${token}>`] : [])].join(', ');
			const name = [cart.first_name, cart.last_name].filter(Boolean).join(' ').trim();
			return {
				rendered,
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
			return { subject: message.rendered.subject, preheader: message.rendered.preheader };
		},
	};
}
