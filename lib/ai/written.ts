/**
 * How a send node uses the AI Offer Writer's copy: the one rule every channel follows, so the model never stops or
 * changes a send beyond its words. A written text is used when it is there for the message's language; when the
 * message built with it breaks the channel's limits (the opt-out line added, the link appended, a button template's
 * shorter text), the message is built from the template instead and the output says why.
 */
import type { Language } from '../templates/copy';
import type { CopySource, OfferField, WrittenCopy } from './types';

/** The written text of `field` for a message in `lang`; undefined when there is none (or it is in another language). */
export function writtenText(copy: WrittenCopy | undefined, field: OfferField, lang: Language): string | undefined {
	if (!copy || copy.language !== lang) return undefined;
	const text = copy[field]?.trim();
	return text || undefined;
}

/** What a message was built with, for its output item and the store. */
export interface CopyChoice<T> {
	value: T;
	copy: CopySource;
	/** Why written copy for this message was not used (`copy` is template). */
	copyNote?: string;
}

/**
 * Builds the message with the written text, else with the template (`build(undefined)`). Whatever the written text
 * makes the build throw (a limit) sends the template instead; an error of the template's own build is the node's.
 */
export function withWritten<T>(written: string | undefined, build: (text: string | undefined) => T): CopyChoice<T> {
	if (written === undefined) return { value: build(undefined), copy: 'template' };
	try {
		return { value: build(written), copy: 'ai' };
	} catch (error) {
		return { value: build(undefined), copy: 'template', copyNote: `The AI Offer Writer’s text was not used: ${(error as Error).message}` };
	}
}

/** The output fields for a message's copy: `copy`, and `copy_note` when written copy was set aside. */
export function describeCopy(choice: Pick<CopyChoice<unknown>, 'copy' | 'copyNote'>): Record<string, string> {
	return { copy: choice.copy, ...(choice.copyNote ? { copy_note: choice.copyNote } : {}) };
}
