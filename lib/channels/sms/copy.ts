import type { INodeProperties } from 'n8n-workflow';

import { LANGUAGES, shippedSmsText, SMS_TEXT_LABEL } from '../../templates';
import { copyField, copyFieldName, copyNotice } from '../copy';

export const SMS_COPY_FIELDS = LANGUAGES.map((lang) => copyFieldName('smsText', lang));

/** SMS Send's text field per language. */
export function smsCopyProperties(): INodeProperties[] {
	return [
		copyNotice('SMS'),
		...LANGUAGES.flatMap((lang) =>
			copyField(
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
