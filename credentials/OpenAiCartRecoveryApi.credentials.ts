import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * OpenAI, or any OpenAI-compatible server, for the AI Offer Writer: API key, base URL, model, organization and
 * extra headers for gateways. Its Test is the `openAiCartRecoveryTest` method (lib/ai/credentialTest.ts) of the
 * node that uses it, not a declarative `test`: it lists the server's models and says whether the chosen one is
 * there (n8n runs a declarative test instead of the method whenever one is declared, so there is none here).
 */
export class OpenAiCartRecoveryApi implements ICredentialType {
	name = 'openAiCartRecoveryApi';

	displayName = 'OpenAI (Cart Recovery) API';

	icon: Icon = { light: 'file:icons/aiOffer.svg', dark: 'file:icons/aiOffer.dark.svg' };

	documentationUrl = 'https://github.com/cart-recovery/n8n-nodes-cart-recovery#ai-offer-writer';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The secret key from your OpenAI account (API keys page), or from your own server. A local server that needs no key accepts any text, e.g. ollama.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.openai.com/v1',
			description:
				'Where the model runs. Any OpenAI-compatible server works: OpenAI itself, Ollama (http://localhost:11434/v1), vLLM, LM Studio, or a company gateway such as an Azure-style proxy. It usually ends in /v1.',
		},
		{
			displayName: 'Model',
			name: 'model',
			type: 'string',
			default: 'gpt-4o-mini',
			description: 'The model that writes the offers, exactly as the server names it. The Test checks that the server lists it.',
		},
		{
			displayName: 'Organization ID',
			name: 'organization',
			type: 'string',
			default: '',
			placeholder: 'org-...',
			description: 'Only if your OpenAI key belongs to more than one organization and usage should be billed to a specific one',
		},
		{
			displayName: 'Extra Headers',
			name: 'extraHeaders',
			type: 'json',
			default: '',
			placeholder: '{ "api-key": "..." }',
			description: 'Only for gateways that need more headers: a JSON object of header name to text value, sent with every request',
		},
	];
}
