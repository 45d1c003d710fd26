import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { testSendGridCredentials, type SendGridCredentials } from '../providers/sendgrid';
import { TwilioSmsClient, type TwilioCredentials } from '../providers/twilio';

/**
 * The Tests of the provider credentials, registered under `methods.credentialTest` of the send node that uses
 * the credential (each credential names its method in `testedBy`).
 */
export async function sendGridCartRecoveryTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const result = await testSendGridCredentials(credential.data as unknown as SendGridCredentials);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}

export async function twilioCartRecoveryTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		const result = await new TwilioSmsClient(credential.data as unknown as TwilioCredentials).test();
		return { status: result.ok ? 'OK' : 'Error', message: result.message };
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
}
