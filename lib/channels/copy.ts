import type { DisplayCondition, INodeProperties } from 'n8n-workflow';

import {
	EMAIL_PIECE_LABELS,
	EMAIL_PIECES,
	fieldLabel,
	LANGUAGES,
	shippedEmailCopy,
	shippedSmsText,
	SMS_TEXT_LABEL,
	STAGE_KINDS,
	type EmailPiece,
	type Language,
	type StageKind,
} from '../../templates';

/**
 * The send nodes' text fields: per language, per piece, one field per stage kind under the same name, each
 * shown only for its stages (n8n's same-name-different-displayOptions pattern), so each stage shows its own
 * shipped text prefilled. Both languages' fields always show: the Language parameter may come from the workflow's
 * Settings (an expression), and n8n drops the value of a field hidden by an expression-valued condition when the
 * workflow is saved, so an edit to a language-dependent field could be lost.
 */
const STAGE_SHOW: Record<StageKind, Array<number | DisplayCondition>> = {
	first: [1],
	second: [2],
	final: [{ _cnd: { gte: 3 } }],
};

const SUFFIX: Record<Language, string> = { hu: 'Hu', en: 'En' };

/** The parameter name of a language's text field: subjectHu, smsTextEn. */
export const copyFieldName = (piece: EmailPiece | 'smsText', lang: Language) => `${piece}${SUFFIX[lang]}`;

export const EMAIL_COPY_FIELDS = LANGUAGES.flatMap((lang) => EMAIL_PIECES.map((piece) => copyFieldName(piece, lang)));
export const SMS_COPY_FIELDS = LANGUAGES.map((lang) => copyFieldName('smsText', lang));

const EMAIL_DESCRIPTIONS: Record<EmailPiece, string> = {
	subject: 'The subject line in the inbox. Empty: the shipped subject.',
	preheader: 'The grey line after the subject in most inboxes. Empty: none.',
	headline: 'The greeting at the top of the email. Empty: none.',
	intro: 'The paragraph under the greeting. Empty: none.',
	offer: 'The sentence before the discount code, shown only when the email carries a code. Empty: the code alone.',
	button: 'The text of the button that takes the customer back to the cart. Empty: the shipped label.',
};

const STAGE_HINTS: Record<StageKind, string> = {
	first: 'Used at stage 1, the first reminder',
	second: 'Used at stage 2, the second reminder',
	final: 'Used at stage 3 and later, the final offer',
};

function field(
	lang: Language,
	name: string,
	label: string,
	description: string,
	shipped: (kind: StageKind) => string,
	rows?: number,
): INodeProperties[] {
	return STAGE_KINDS.map((kind) => ({
		displayName: fieldLabel(label, lang),
		name,
		type: 'string',
		default: shipped(kind),
		...(rows ? { typeOptions: { rows } } : {}),
		description,
		hint: STAGE_HINTS[kind],
		displayOptions: { show: { stage: STAGE_SHOW[kind] } },
	}));
}

function copyNotice(noun: string): INodeProperties {
	return {
		displayName: `The ${noun}’s text, as shipped for this stage: stage 1 is the first reminder, 2 the second, 3 and later the final offer. Change any of it; placeholders such as <code>{{customer.first_name}}</code>, <code>{{total_text}}</code>, <code>{{discount.code}}</code> and <code>{{discount.text}}</code> are filled in for each customer. Open Preview below to read the result.`,
		name: 'copyNotice',
		type: 'notice',
		default: '',
	};
}

/** Email Send's text fields: Subject, Preheader, Headline, Intro, Offer Line, Button Label per language. */
export function emailCopyProperties(): INodeProperties[] {
	return [
		copyNotice('email'),
		...LANGUAGES.flatMap((lang) =>
			EMAIL_PIECES.flatMap((piece) =>
				field(lang, copyFieldName(piece, lang), EMAIL_PIECE_LABELS[piece], EMAIL_DESCRIPTIONS[piece], (kind) => shippedEmailCopy(lang, kind)[piece], piece === 'intro' ? 3 : undefined),
			),
		),
	];
}

/** SMS Send's text field per language. */
export function smsCopyProperties(): INodeProperties[] {
	return [
		copyNotice('SMS'),
		...LANGUAGES.flatMap((lang) =>
			field(
				lang,
				copyFieldName('smsText', lang),
				SMS_TEXT_LABEL,
				'The whole SMS; lines without text are left out. The opt-out line is added below it. Empty: the shipped text.',
				(kind) => shippedSmsText(lang, kind),
				5,
			),
		),
	];
}

/** A text field's value as the templates take it: null when it is not set (the shipped text of the stage). */
export function copyValue(value: unknown): string | null {
	return typeof value === 'string' ? value : null;
}

/** One language's email text fields, read with `get` (one item's parameters). */
export function readEmailCopy(get: (name: string) => unknown, lang: Language): Partial<Record<EmailPiece, string | null>> {
	return Object.fromEntries(EMAIL_PIECES.map((piece) => [piece, copyValue(get(copyFieldName(piece, lang)))]));
}
