import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { testOpenAiCredentials, type OpenAiCredentials } from './transport';

/** Registered under `methods.credentialTest` of the node that uses the OpenAI (Cart Recovery) API credential. */
export async function openAiCartRecoveryTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const result = await testOpenAiCredentials((credential.data ?? {}) as unknown as OpenAiCredentials);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}
