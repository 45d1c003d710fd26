import type { INodeProperties } from 'n8n-workflow';

import { EMAIL_PIECE_LABELS, EMAIL_PIECES, LANGUAGES, shippedEmailCopy, type EmailPiece, type Language } from '../../templates';
import { copyField, copyFieldName, copyNotice, copyValue } from '../copy';

export const EMAIL_COPY_FIELDS = LANGUAGES.flatMap((lang) => EMAIL_PIECES.map((piece) => copyFieldName(piece, lang)));

const EMAIL_DESCRIPTIONS: Record<EmailPiece, string> = {
	subject: 'The subject line in the inbox. Empty: the shipped subject.',
	preheader: 'The grey line after the subject in most inboxes. Empty: none.',
	headline: 'The greeting at the top of the email. Empty: none.',
	intro: 'The paragraph under the greeting. Empty: none.',
	offer: 'The sentence before the discount code, shown only when the email carries a code. Empty: the code alone.',
	button: 'The text of the button that takes the customer back to the cart. Empty: the shipped label.',
};

/** Email Send's text fields: Subject, Preheader, Headline, Intro, Offer Line, Button Label per language. */
export function emailCopyProperties(): INodeProperties[] {
	return [
		copyNotice('email'),
		...LANGUAGES.flatMap((lang) =>
			EMAIL_PIECES.flatMap((piece) =>
				copyField(lang, copyFieldName(piece, lang), EMAIL_PIECE_LABELS[piece], EMAIL_DESCRIPTIONS[piece], (kind) => shippedEmailCopy(lang, kind)[piece], piece === 'intro' ? 3 : undefined),
			),
		),
	];
}

/** One language's email text fields, read with `get` (one item's parameters). */
export function readEmailCopy(get: (name: string) => unknown, lang: Language): Partial<Record<EmailPiece, string | null>> {
	return Object.fromEntries(EMAIL_PIECES.map((piece) => [piece, copyValue(get(copyFieldName(piece, lang)))]));
}
