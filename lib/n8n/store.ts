import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	IWebhookFunctions,
} from 'n8n-workflow';

import { getStore, testStoreConnection, type CartRecoveryStore, type StoreCredentials } from '../store';

export const STORE_CREDENTIAL = 'cartRecoveryStoreApi';

/**
 * The credential entry every store-using node lists; its Test runs `cartRecoveryStoreTest`. n8n's lint rules
 * read node descriptions literally, so nodes write this entry inline rather than importing it:
 * `{ name: 'cartRecoveryStoreApi', required: true, testedBy: 'cartRecoveryStoreTest' }`.
 */
export const storeCredential = { name: STORE_CREDENTIAL, required: true, testedBy: 'cartRecoveryStoreTest' };

/** The n8n ID of the node's Cart Recovery Store credential: an Embedded store's own folder is named after it. */
export function storeCredentialId(context: Pick<IExecuteFunctions, 'getNode'>): string | undefined {
	return context.getNode().credentials?.[STORE_CREDENTIAL]?.id ?? undefined;
}

/** The shared store for the node's Cart Recovery Store credential (one pool per credential per process). */
export async function storeFor(context: IExecuteFunctions | IWebhookFunctions): Promise<CartRecoveryStore> {
	const credentials = (await context.getCredentials(STORE_CREDENTIAL)) as unknown as StoreCredentials;
	return getStore(credentials, storeCredentialId(context));
}

/** Registered under `methods.credentialTest` of every store-using node. */
export async function cartRecoveryStoreTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const result = await testStoreConnection(credential.data as unknown as StoreCredentials, credential.id);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}
