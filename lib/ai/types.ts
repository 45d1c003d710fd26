/**
 * The AI Offer Writer's contract (issue 14): what the model is given, what it must answer, and the guardrails'
 * findings. The model writes personal copy for the next message of a cart's sequence; the shop's facts (code,
 * discount, prices, dates, link) come only from the input, and every answer is checked in code before it is used.
 */
import type { Language } from '../templates/copy';

export type OfferChannel = 'email' | 'sms' | 'whatsapp' | 'messenger';

/** The tones a marketer picks from; friendly is the seed's ("friendly, helpful, not pushy"). */
export type OfferTone = 'friendly' | 'warm' | 'playful' | 'formal';

export interface OfferItem {
	name: string;
	quantity: number;
	/** Unit price in the cart's currency. */
	price: number;
}

export interface OfferDiscount {
	code: string;
	kind: 'percent' | 'fixed';
	/** 10 (percent) or 2000 (an amount in `currency`). */
	amount: number;
	currency?: string | null;
	/** ISO 8601; the last moment the code works. */
	validUntil?: string | null;
}

/** Everything the model may use. Anything it writes that is not here (a number, a date, a link, a benefit) is a violation. */
export interface OfferInput {
	language: Language;
	/** 1 first reminder, 2 second, 3 and later the final offer. */
	stage: number;
	tone: OfferTone;
	/** The marketer's note on the brand's voice (plain text, optional). */
	brandVoice?: string | null;
	shopName?: string | null;
	firstName?: string | null;
	items: OfferItem[];
	/** The cart's total. */
	value: number;
	/** ISO 4217, e.g. HUF. */
	currency: string;
	/** The cart-restore link: the only URL the copy may contain. */
	restoreUrl?: string | null;
	discount?: OfferDiscount | null;
	/** Only these channels' fields are asked for and checked. */
	channels: OfferChannel[];
	/** SMS Send's segment limit (Max Segments): the SMS text must fit it, counted as SMS Send counts (GSM-7 / UCS-2). */
	smsMaxSegments?: number;
	/** IANA zone for reading dates (default Europe/Budapest). */
	timezone?: string;
}

/**
 * The copy the model writes, plain text, per channel asked for: email → subject, preheader, email_intro; sms → sms;
 * whatsapp → whatsapp; messenger → messenger. Fields of channels not asked for are absent.
 */
export interface OfferCopy {
	subject?: string;
	preheader?: string;
	email_intro?: string;
	sms?: string;
	whatsapp?: string;
	messenger?: string;
}

export type OfferField = keyof OfferCopy;

/** The guardrails, each one rule with a name the tests and the fallback reason use. */
export type GuardrailRule =
	| 'missing_field' // a field of a channel asked for is empty or missing
	| 'code_missing' // a code was given and the field that should carry it does not have it verbatim (sms, whatsapp, messenger, email_intro)
	| 'foreign_code' // a code-like token (e.g. SAVE20, KOSAR-XXXX) that is not the given code
	| 'number_not_in_input' // a percentage, amount, price or count that the input does not contain
	| 'date_not_in_input' // a date or deadline that is not the code's expiry (or any date when none was given)
	| 'benefit_not_in_input' // free shipping, a gift, a second discount…: a benefit the input does not contain
	| 'url_not_allowed' // a URL other than the restore link
	| 'not_plain_text' // HTML tags, Markdown links, control characters
	| 'too_long'; // subject > 78 characters, preheader > 150, email_intro > 600, SMS over its segment budget, WhatsApp > 1024, Messenger > 640

export interface Violation {
	field: OfferField;
	rule: GuardrailRule;
	/** A sentence the model reads on its retry and a marketer reads in the fallback reason, e.g. `sms: "15%" is not in the input (the discount is 10%)`. */
	message: string;
}

/** The per-field length limits (characters), besides the SMS segment budget. */
export const OFFER_LIMITS = { subject: 78, preheader: 150, email_intro: 600, whatsapp: 1024, messenger: 640 } as const;

/**
 * The AI Offer Writer's copy as a send node gets it from its input item: only what the model wrote for the node's
 * stage (never the templates' fallback), with the language it is written in. A send node uses a field only for a
 * message in that language, and only while it keeps the channel's limits there; else its template.
 */
export interface WrittenCopy extends OfferCopy {
	language: Language;
}

/** Which words a message went out with: the AI Offer Writer's, or the node's templates. Shown per message and stored with it. */
export type CopySource = 'ai' | 'template';
