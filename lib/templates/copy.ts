/**
 * The shipped copy, in one place: per language, per stage kind (first reminder, second reminder, final
 * offer), the pieces of the email (email/copy.json) and the SMS text (sms/copy.json). The send nodes prefill
 * their text fields from here, and a field that still holds shipped text renders the shipped text of the
 * message's own stage.
 */
import emailCopyJson from './email/copy.json';
import smsCopyJson from './sms/copy.json';

export type Language = 'hu' | 'en';
export const LANGUAGES: readonly Language[] = ['hu', 'en'];
export const LANGUAGE_NAMES: Record<Language, string> = { hu: 'Hungarian', en: 'English' };

/** From this stage on the shipped copy is the final offer ("last reminder", the code's expiry date). */
export const FINAL_OFFER_STAGE = 3;

export type StageKind = 'first' | 'second' | 'final';
export const STAGE_KINDS: readonly StageKind[] = ['first', 'second', 'final'];

export function stageKind(stage: number): StageKind {
	return stage >= FINAL_OFFER_STAGE ? 'final' : stage === 2 ? 'second' : 'first';
}

/** The email's text pieces, in the order the email shows them. */
export const EMAIL_PIECES = ['subject', 'preheader', 'headline', 'intro', 'offer', 'button'] as const;
export type EmailPiece = (typeof EMAIL_PIECES)[number];
export const EMAIL_PIECE_LABELS: Record<EmailPiece, string> = {
	subject: 'Subject',
	preheader: 'Preheader',
	headline: 'Headline',
	intro: 'Intro',
	offer: 'Offer Line',
	button: 'Button Label',
};
/** Pieces an email cannot do without: an empty field gives the shipped text. Any other empty piece is left out. */
export const REQUIRED_EMAIL_PIECES: ReadonlySet<EmailPiece> = new Set(['subject', 'button']);

export const SMS_TEXT_LABEL = 'SMS Text';

const emailCopy = emailCopyJson as Record<Language, Record<StageKind, Record<EmailPiece, string>>>;
const smsCopy = smsCopyJson as Record<Language, Record<StageKind, string>>;

export function shippedEmailCopy(lang: Language, kind: StageKind): Record<EmailPiece, string> {
	return emailCopy[lang][kind];
}

export function shippedSmsText(lang: Language, kind: StageKind): string {
	return smsCopy[lang][kind];
}

/** "Subject (Hungarian)": the field's label, also the name a template error gives. */
export function fieldLabel(label: string, lang: Language): string {
	return `${label} (${LANGUAGE_NAMES[lang]})`;
}

/** One template that picks the stage's text by `stage`, as the send nodes' stage fields do. */
export function byStage(text: (kind: StageKind) => string): string {
	const [first, second, final] = STAGE_KINDS.map(text);
	if (first === second && second === final) return first;
	return `{{#if final_offer}}${final}{{else if (eq stage 2)}}${second}{{else}}${first}{{/if}}`;
}

const normalise = (text: string) => text.replace(/\r\n?/g, '\n').trim();

/** Whether a field still holds the shipped text of some stage: then each message gets its own stage's text. */
export function isShippedText(value: string, shipped: (kind: StageKind) => string): boolean {
	const v = normalise(value);
	return STAGE_KINDS.some((kind) => normalise(shipped(kind)) === v);
}
