import type { DisplayCondition, INodeProperties } from 'n8n-workflow';

import { fieldLabel, STAGE_KINDS, type Language, type StageKind } from '../templates';

/**
 * The send nodes' text fields, shared by every channel (each channel's own fields are in its folder's copy.ts): per language, per piece, one field per stage kind under the same name, each
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
export const copyFieldName = (piece: string, lang: Language) => `${piece}${SUFFIX[lang]}`;

const STAGE_HINTS: Record<StageKind, string> = {
	first: 'Used at stage 1, the first reminder',
	second: 'Used at stage 2, the second reminder',
	final: 'Used at stage 3 and later, the final offer',
};

/** One text field per stage kind, under one name, each shown only for its stages and prefilled with their shipped text. */
export function copyField(
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

/** The notice above a channel's text fields. */
export function copyNotice(noun: string): INodeProperties {
	return {
		displayName: `The ${noun}’s text, as shipped for this stage: stage 1 is the first reminder, 2 the second, 3 and later the final offer. Change any of it; placeholders such as <code>{{customer.first_name}}</code>, <code>{{total_text}}</code>, <code>{{discount.code}}</code> and <code>{{discount.text}}</code> are filled in for each customer. Open Preview below to read the result.`,
		name: 'copyNotice',
		type: 'notice',
		default: '',
	};
}

/** A text field's value as the templates take it: null when it is not set (the shipped text of the stage). */
export function copyValue(value: unknown): string | null {
	return typeof value === 'string' ? value : null;
}
