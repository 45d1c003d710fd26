/**
 * What a channel is: one folder, lib/channels/<name>/, exporting one ChannelDefinition, listed once in the
 * registry (lib/channels/index.ts). The shared send-node code (lib/delivery/node.ts), consent addressing
 * (lib/consent/address.ts) and the sentences a marketer reads take every channel-specific fact from here; none of
 * them names a channel. deliver() (lib/delivery/pipeline.ts) runs the ChannelAdapter a definition builds.
 */
import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
	NodeExecutionHint,
} from 'n8n-workflow';
import type { CountryCode } from 'libphonenumber-js';

import type { ProviderError } from '../delivery/errors';
import type { WrittenCopy } from '../ai/types';
import type { ProviderWebhook } from '../events/types';
import type { ChannelAdapter, DeliveryRequest, SkipReason } from '../delivery/types';
import type { Cart, CartRecoveryStore, Channel, ConsentSubject, RecommendedProduct } from '../store';
import type { DiscountInfo, Language } from '../templates';

// ── Addressing (light: the store and consent use it, so it must not load a provider SDK) ─────────────────────

/** The contact fields of a consent subject a channel's address can come from. */
export type SubjectField = Exclude<keyof ConsentSubject, 'customerId'>;

/** How a channel is addressed: consent is keyed on the normalised address; sentences and masks name it. */
export interface ChannelAddress {
	/** The channel in a sentence: "email", "SMS", "WhatsApp". */
	label: string;
	/** What the address is called in a sentence: "email address", "phone number". */
	noun: string;
	/** Where a consent subject carries it (`fallback`: used when `field` is empty) and the SQL subject's key. */
	subject: { field: SubjectField; fallback?: SubjectField; sql: string };
	/** The address as consent is keyed on it (email lower-cased, phone E.164, an id as given). */
	normalise(value: string, country?: CountryCode): string;
	/** Enough of the address to recognise it, too little to read it (unsubscribe page, executions list); null: the generic mask. */
	mask(value: string): string | null;
}

// ── The send node ────────────────────────────────────────────────────────────────────────────────────────────

/** The channel's own parameters, which `sendNodeProperties` puts in their places among the shared ones. */
export interface ChannelNodeParameters {
	/** The Template choices (the shipped one's description, the custom one's name and description); none: no Template parameter. */
	templates?: { builtIn: string; custom: { name: string; description: string } };
	/** The fields of the custom template, shown when Template is Custom. */
	customTemplate?: INodeProperties[];
	/** The message's text fields per language and stage (lib/channels/copy.ts), after Language. */
	copy: INodeProperties[];
	/** The Discount Code field's description (where the discount shows); `validUntil` adds Discount Valid Until. */
	discount: { codeDescription: string; validUntil: boolean };
	/** The channel's own parameters, between the discount and the sending policy (quiet hours, frequency cap). */
	properties: INodeProperties[];
	/** The channel's own entries of the Options collection; the shared ones (retries, recommendations) join them. */
	options: INodeProperties[];
	/**
	 * The channel can show the products Cart Check recommends (its Recommend Products option): the node gets the shared
	 * Show Recommended Products option and its items carry `recommendations`. Unset (SMS): neither.
	 */
	recommendations?: boolean;
}

/** Limits and policy defaults: what the node's Quiet Hours and frequency-cap parameters start with. */
export interface ChannelPolicy {
	/** Respect Quiet Hours on by default (SMS, WhatsApp, Messenger) or off (email). */
	quietHours: boolean;
	/** Max messages per customer within the cap window by default; 0 = no cap. */
	frequencyCap: number;
	/** The cap field's label: "Max Emails per Customer". */
	capLabel: string;
}

/** Read once per execution, before any item. */
export interface SendSetup<TCredentials, TClient> {
	/** The node's provider credential. */
	credentials: TCredentials;
	/** The provider client the definition's transport built from it. */
	client: TClient;
	language: Language | 'auto';
	/** Template is Custom. */
	customTemplate: boolean;
	store: CartRecoveryStore;
}

/** One input item's parameters that every send node has, read for the channel's adapter. */
export interface SendItem {
	index: number;
	request: DeliveryRequest;
	language: Language | 'auto';
	/** The item's Options collection (the channel's own entries included). */
	options: IDataObject;
	/** The Discount fields (`valid_until` only on nodes with Discount Valid Until); empty ones undefined. */
	discount: Partial<DiscountInfo>;
	/**
	 * Text that replaces the Intro field's for this item, printed as is: the input item's `offer.intro`, where
	 * the AI Offer Writer puts the opening it wrote. Unset: the Intro field.
	 */
	intro?: string;
	/**
	 * The AI Offer Writer's copy for this item's stage (the input item's `ai_copy`, when the model wrote it): the
	 * channel uses its own fields (email: subject, preview text, intro; SMS: the text; WhatsApp: the body; Messenger:
	 * the text) for a message in the copy's language, and its template when a field would break the channel's limits
	 * (lib/ai/written.ts). Unset: the templates.
	 */
	aiCopy?: WrittenCopy;
	/** The Options entry every send node has: the restore (link) URL. */
	restoreUrl?: string;
	/**
	 * The products Cart Check recommends for this cart (the input item's `recommendations`, at most 10; malformed
	 * entries dropped), when the channel shows them and Show Recommended Products is on. Unset: none.
	 */
	recommendations?: RecommendedProduct[];
}

/** One item of Mode Preview Only: its cart (or the sample cart), the language and discount it would be sent with. */
export interface PreviewTarget {
	index: number;
	cart: Cart;
	/** No cart in the store for the item: the sample cart. */
	sample: boolean;
	lang: Language;
	stage: number;
	discount: Partial<DiscountInfo> | null;
	/** The input item's recommended products (as SendItem.recommendations); unset: none. */
	recommendations?: RecommendedProduct[];
}

/** A channel's part of one execution of its send node (built per execution from the node's context). */
export interface ChannelSender<TCredentials, TClient, TShared, TMessage> {
	/** Runs once, first (compile templates, check settings): whatever it throws fails the node before anything is claimed or sent. */
	prepare(setup: SendSetup<TCredentials, TClient>): Promise<TShared>;
	/** The channel adapter deliver() runs for one item. */
	adapter(shared: TShared, item: SendItem): ChannelAdapter<TMessage>;
	/** Mode Preview Only: one output item for one input item and language. Nothing is claimed, sent or stored. */
	preview(target: PreviewTarget): Promise<INodeExecutionData> | INodeExecutionData;
	/** Hints shown above the output, from the items of the Sent output (SMS: segment cost). */
	hints?(sent: INodeExecutionData[]): NodeExecutionHint[];
}

// ── Provider errors and events ───────────────────────────────────────────────────────────────────────────────

/**
 * What a permanent provider error means beyond "failed", by the provider's code (never its text):
 *   - withdraw: the customer opted out at the provider (Twilio 21610, WhatsApp 131050): consent for this channel is
 *     withdrawn and the message is Skipped with `skip`;
 *   - skip: the message cannot go to this customer now (WhatsApp 131047 window closed, US numbers): Skipped.
 * Retrying and deferring are the transport's part: it throws a `retryable` ProviderError (with `retryAfterMs`, e.g.
 * a day for WhatsApp 131049), which the pipeline retries or defers.
 */
export interface ProviderErrorRule {
	code: string | number;
	action: 'withdraw' | 'skip';
	skip: SkipReason;
	/** Stored with the withdrawal (consent source), e.g. "twilio_21610". */
	source?: string;
}

// ── The definition ───────────────────────────────────────────────────────────────────────────────────────────

export interface ChannelDefinition<TCredentials = unknown, TClient = unknown, TShared = unknown, TMessage = unknown> {
	name: Channel;
	/** What the node calls one message: "email", "SMS". */
	noun: string;
	/** The provider's name for errors and records: "SendGrid". */
	provider: string;
	/** Consent addressing. */
	address: ChannelAddress;
	/** The address on a cart, validated and normalised, for deliver()'s recipient step (`country`: the node's default country). */
	recipient(cart: Cart, country?: CountryCode): ReturnType<ChannelAdapter<TMessage>['recipient']>;
	/** The provider credential the node lists (its name) and its Test (registered under `testedBy`). */
	credential: {
		name: string;
		testedBy: string;
		test(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult>;
	};
	/** The provider client factory: the only place the SDK client is built (transport.ts in the channel folder). */
	client(credentials: TCredentials): TClient;
	/** Hard limits of the provider and the channel, checked before a call (e.g. Twilio's 1,600 characters). */
	limits: Record<string, number>;
	policy: ChannelPolicy;
	/** The send node's own parameters. */
	parameters: ChannelNodeParameters;
	/** The Preview list in the panel: its load-options method (name and function) and what it renders with. */
	preview: {
		method: string;
		options(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]>;
		dependsOn: string[];
		description: string;
	};
	/** The execution side: prepare, per-item adapter, Preview Only items, output hints. */
	sender(ctx: IExecuteFunctions): ChannelSender<TCredentials, TClient, TShared, TMessage>;
	/** Provider error codes that withdraw consent or skip (see ProviderErrorRule). */
	errors?: ProviderErrorRule[];
	/**
	 * Where the provider's events about this channel come in (deliveries, opens, replies, opt-outs): the webhook the
	 * Channel Events Trigger verifies and parses them with (./events.ts in the channel folder). Channels on one
	 * provider share it (Meta: WhatsApp and Messenger).
	 */
	events: ProviderWebhook;
}

/** The permanent-failure hook deliver() calls, from a definition's error rules: withdraw consent or skip, by code. */
export type PermanentFailureHook = NonNullable<ChannelAdapter<unknown>['onPermanentFailure']>;
export type { ProviderError };
