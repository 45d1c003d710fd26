import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * n8n's own public API, for Recovery Report's Restart Crashed Runs: it reads the recovery workflow's executions that
 * n8n marked crashed. The key needs the right to read executions; the Test reads one.
 */
export class N8nCartRecoveryApi implements ICredentialType {
	name = 'n8nCartRecoveryApi';

	// n8n writes its own name in lower case, the rule's Title Case would make it "N8n".
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-miscased
	displayName = 'n8n (Cart Recovery) API';

	icon: Icon = { light: 'file:../nodes/RecoveryReport/recoveryReport.svg', dark: 'file:../nodes/RecoveryReport/recoveryReport.dark.svg' };

	documentationUrl = 'https://github.com/cart-recovery/n8n-nodes-cart-recovery#running-at-scale';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In n8n: Settings → n8n API → Create an API key. It needs the right to read executions.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://localhost:5678/api/v1',
			required: true,
			placeholder: 'https://n8n.example.hu/api/v1',
			description: 'This n8n’s address followed by /api/v1. In queue mode: the address of main (or the load balancer).',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { 'X-N8N-API-KEY': '={{ $credentials.apiKey }}' } },
	};

	test: ICredentialTestRequest = {
		request: { baseURL: '={{ $credentials.baseUrl.replace(/\\/+$/, "") }}', url: '/executions', qs: { limit: 1 } },
	};
}
