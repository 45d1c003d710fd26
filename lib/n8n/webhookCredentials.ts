import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { CredentialCache, credentialSlotKey } from '../intake/credentialCache';

/**
 * How long this process reuses a credential a webhook trigger read (README, "Benchmark"): in n8n 2.x each
 * `getCredentials` from a webhook cold-starts and disposes an expression isolate, which cost more than
 * everything else a trigger does. A changed secret or store connection takes effect within this time.
 */
export const CREDENTIAL_TTL_MS = 5_000;
const credentialCache = new CredentialCache<IDataObject>(CREDENTIAL_TTL_MS);

/** The webhook node's credential of `type`, read from n8n at most once per CREDENTIAL_TTL_MS per process. */
export async function webhookCredentials(context: IWebhookFunctions, type: string): Promise<IDataObject> {
	const key = credentialSlotKey(context.getWorkflow().id, context.getNode(), type);
	const load = () => context.getCredentials(type) as Promise<IDataObject>;
	return key === undefined ? load() : credentialCache.get(key, load);
}

/** Forgets the node's credential of `type` (it was found wrong: the store refused), so the next request reads it again. */
export function forgetWebhookCredentials(context: IWebhookFunctions, type: string): void {
	const key = credentialSlotKey(context.getWorkflow().id, context.getNode(), type);
	if (key !== undefined) credentialCache.invalidate(key);
}

/**
 * Whether n8n failed to read a credential because its own database was busy or away — worth a retry, so a 503 with
 * Retry-After — rather than because the node's credential is missing, deleted or undecryptable, which no retry
 * mends: the node is misconfigured and says which credential.
 */
export function credentialReadIsTransient(error: unknown): boolean {
	const message = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
	return /timed? ?out|not ready|ECONN|connection|SQLITE_BUSY|database is locked|terminat|too many clients/i.test(message);
}
