import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Where the Cart Recovery nodes keep carts, messages, consents and codes. Its Test is the
 * `cartRecoveryStoreTest` method every store-using node declares (lib/n8n/store.ts).
 */
export class CartRecoveryStoreApi implements ICredentialType {
	name = 'cartRecoveryStoreApi';

	displayName = 'Cart Recovery Store API';

	icon: Icon = { light: 'file:../nodes/CartCheck/cartRecovery.svg', dark: 'file:../nodes/CartCheck/cartRecovery.dark.svg' };

	documentationUrl = 'https://github.com/cart-recovery/n8n-nodes-cart-recovery#store';

	properties: INodeProperties[] = [
		{
			displayName: 'Storage',
			name: 'transport',
			type: 'options',
			default: 'embedded',
			options: [
				{
					name: 'Embedded (PGlite)',
					value: 'embedded',
					description: 'A database inside n8n itself (PGlite): nothing to set up. For a single n8n; not for queue mode, where several n8n processes share the work.',
				},
				{
					name: 'Postgres',
					value: 'postgres',
					description: 'Your own Postgres server. Works with n8n in queue mode. The tables are created on first use.',
				},
				{
					name: 'Supabase',
					value: 'supabase',
					description: 'A Supabase project. Before first use, run the SQL files of this package’s supabase/migrations folder once (Supabase CLI or SQL Editor).',
				},
			],
		},
		{
			displayName: 'Data Directory',
			name: 'dataDirectory',
			type: 'string',
			default: '',
			placeholder: 'Leave empty: this credential gets a folder of its own',
			description:
				'Leave empty to keep the data in a folder of its own for this credential, inside n8n’s folder. Another folder must be inside ~/.n8n/cart-recovery-store and allowed by your n8n admin.',
			displayOptions: { show: { transport: ['embedded'] } },
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			displayOptions: { show: { transport: ['postgres'] } },
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 5432,
			displayOptions: { show: { transport: ['postgres'] } },
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'postgres',
			displayOptions: { show: { transport: ['postgres'] } },
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: 'postgres',
			displayOptions: { show: { transport: ['postgres'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { transport: ['postgres'] } },
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			default: 'disable',
			options: [
				{ name: 'Disable', value: 'disable', description: 'Plain connection (local or private network)' },
				{ name: 'Require', value: 'require', description: 'Encrypted; the server certificate is not verified' },
				{ name: 'Verify Full', value: 'verify-full', description: 'Encrypted and the server certificate verified' },
			],
			displayOptions: { show: { transport: ['postgres'] } },
		},
		{
			displayName: 'CA Certificate',
			name: 'caCertificate',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			description: 'PEM certificate of the authority that signed the server certificate, when it is not a public one',
			displayOptions: { show: { transport: ['postgres'], ssl: ['verify-full'] } },
		},
		{
			displayName: 'Max Connections',
			name: 'maxConnections',
			type: 'number',
			default: 10,
			typeOptions: { minValue: 1, numberPrecision: 0 },
			description: 'How many database connections each n8n process may keep open at once',
			displayOptions: { show: { transport: ['postgres'] } },
		},
		{
			displayName: 'Project URL',
			name: 'supabaseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://abcdefgh.supabase.co',
			displayOptions: { show: { transport: ['supabase'] } },
		},
		{
			displayName: 'Service Role Key',
			name: 'serviceRoleKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Project Settings → API → service_role key. The public anon key does not work: the store’s database functions accept only the service role.',
			displayOptions: { show: { transport: ['supabase'] } },
		},
	];
}
