import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

/** A parameter value as trimmed text; null when it is missing or blank. */
export function str(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	const s = String(value).trim();
	return s ? s : null;
}

/** The same with undefined for "not set", for option objects whose fields are optional. */
export function optionalStr(value: unknown): string | undefined {
	return str(value) ?? undefined;
}

/** A text parameter that must not be empty; the error names the field and says how to fill it. */
export function requiredString(ctx: IExecuteFunctions, name: string, label: string, i: number, hint?: string): string {
	const value = str(ctx.getNodeParameter(name, i, ''));
	if (!value) throw new NodeOperationError(ctx.getNode(), `"${label}" is empty`, { itemIndex: i, description: hint });
	return value;
}
