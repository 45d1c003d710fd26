// WhatsApp and Messenger messages as the customer sees them: pure functions from the Graph API request body
// (as the send nodes posted it to the Meta fake) to what the chat app shows — the template's text with its
// values filled in, its header image, its buttons (copy-code with the code, link buttons with the whole URL);
// interactive header/body/footer with reply buttons, list rows or a link button; Messenger carousel cards,
// button templates and quick replies. No I/O, so test/demo/chat.test.ts checks them directly.

/** A button under a chat message. */
export type ChatButton =
	| { kind: 'copy_code'; label: string; code: string }
	| { kind: 'url'; label: string; url: string }
	| { kind: 'reply'; label: string }
	| { kind: 'phone'; label: string; phone: string }
	| { kind: 'postback'; label: string; payload: string };

export interface WhatsAppView {
	/** The Cloud API message type: template, interactive (button, list, cta_url), text, or another one. */
	messageType: string;
	/** For a template message: its name and language, and whether the fake knows it. */
	template?: { name: string; language: string; found: boolean };
	header?: { text?: string; imageUrl?: string };
	/** The message text, values filled in. */
	text: string;
	footer?: string;
	buttons: ChatButton[];
	/** An interactive list: the button that opens it and its rows. */
	list?: { button: string; sections: Array<{ title?: string; rows: Array<{ title: string; description?: string }> }> };
}

export interface MessengerCard {
	title: string;
	subtitle?: string;
	imageUrl?: string;
	/** Tapping the card opens this. */
	url?: string;
	buttons: ChatButton[];
}

export interface MessengerView {
	messageType: 'text' | 'carousel' | 'buttons' | 'other';
	text?: string;
	cards: MessengerCard[];
	/** The button template's buttons. */
	buttons: ChatButton[];
	quickReplies: Array<{ title: string; imageUrl?: string }>;
	/** Carousel images square instead of the default 1.91:1. */
	square?: boolean;
}

/** A WhatsApp template as listed by message_templates (the Meta fake's FakeTemplate fits). */
export interface TemplateDefinition {
	name: string;
	language: string;
	components: Array<{ type: string } & Record<string, unknown>>;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Fills {{1}}… (positional) or {{name}} (named) from the values; a variable without a value stays as written. */
export function fillVariables(text: string, values: { positional: string[]; named: Record<string, string> }): string {
	return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, key: string) => {
		if (/^\d+$/.test(key)) return values.positional[Number(key) - 1] ?? whole;
		return Object.prototype.hasOwnProperty.call(values.named, key) ? values.named[key] : whole;
	});
}

/** The text values of a sent component's parameters, by position and by parameter_name. */
function textValues(parameters: unknown[]) {
	const positional: string[] = [];
	const named: Record<string, string> = {};
	for (const p of parameters.map(obj)) {
		if (p.type !== 'text' && p.type !== undefined) {
			// Currency and date_time parameters show their fallback text.
			const fallback = str(obj(p[String(p.type)]).fallback_value);
			positional.push(fallback ?? '');
			continue;
		}
		const text = str(p.text) ?? '';
		positional.push(text);
		const name = str(p.parameter_name);
		if (name) named[name] = text;
	}
	return { positional, named };
}

function templateView(template: Json, templates: readonly TemplateDefinition[]): WhatsAppView {
	const name = str(template.name) ?? '';
	const language = str(obj(template.language).code) ?? '';
	const sent = arr(template.components).map(obj);
	const sentOf = (type: string) => sent.find((c) => str(c.type)?.toLowerCase() === type);
	const bodyValues = textValues(arr(sentOf('body')?.parameters));
	const definition = templates.find((t) => t.name === name && t.language === language);
	if (!definition) {
		// Not in the fake's list: show what was sent, so the message is still visible.
		return {
			messageType: 'template',
			template: { name, language, found: false },
			text: [`Template ${name} (${language})`, ...bodyValues.positional].filter(Boolean).join('\n'),
			buttons: [],
		};
	}
	const defined = (type: string) => definition.components.find((c) => c.type.toUpperCase() === type);
	const view: WhatsAppView = { messageType: 'template', template: { name, language, found: true }, text: '', buttons: [] };

	const header = defined('HEADER');
	if (header) {
		const params = arr(sentOf('header')?.parameters).map(obj);
		const format = (str(header.format) ?? 'TEXT').toUpperCase();
		if (format === 'IMAGE') {
			const link = str(obj(params.find((p) => p.type === 'image')?.image).link);
			view.header = { imageUrl: link ?? str(arr(obj(header.example).header_handle)[0]) };
		} else if (format === 'TEXT' && str(header.text)) {
			view.header = { text: fillVariables(str(header.text)!, textValues(params)) };
		}
	}
	view.text = fillVariables(str(defined('BODY')?.text) ?? '', bodyValues);
	const footer = str(defined('FOOTER')?.text);
	if (footer) view.footer = footer;

	const sentButton = (index: number, subType: string) =>
		sent.find((c) => str(c.type)?.toLowerCase() === 'button' && str(c.sub_type)?.toLowerCase() === subType && Number(str(c.index) ?? 0) === index);
	view.buttons = arr(defined('BUTTONS')?.buttons).map((raw, index): ChatButton => {
		const b = obj(raw);
		const type = (str(b.type) ?? '').toUpperCase();
		const label = str(b.text) ?? '';
		if (type === 'COPY_CODE') {
			const code = str(obj(arr(sentButton(index, 'copy_code')?.parameters)[0]).coupon_code) ?? str(b.example) ?? '';
			return { kind: 'copy_code', label: label || 'Copy code', code };
		}
		if (type === 'URL') {
			const suffix = str(obj(arr(sentButton(index, 'url')?.parameters)[0]).text);
			const url = str(b.url) ?? '';
			return { kind: 'url', label, url: suffix === undefined ? url : fillVariables(url, { positional: [suffix], named: {} }) };
		}
		if (type === 'PHONE_NUMBER') return { kind: 'phone', label, phone: str(b.phone_number) ?? '' };
		return { kind: 'reply', label };
	});
	return view;
}

function interactiveView(interactive: Json): WhatsAppView {
	const type = str(interactive.type) ?? '';
	const view: WhatsAppView = { messageType: `interactive ${type}`.trim(), text: str(obj(interactive.body).text) ?? '', buttons: [] };
	const header = obj(interactive.header);
	if (header.type === 'image') view.header = { imageUrl: str(obj(header.image).link) };
	else if (header.type === 'text' && str(header.text)) view.header = { text: str(header.text) };
	const footer = str(obj(interactive.footer).text);
	if (footer) view.footer = footer;
	const action = obj(interactive.action);
	if (type === 'button') {
		view.buttons = arr(action.buttons).map((b) => ({ kind: 'reply', label: str(obj(obj(b).reply).title) ?? '' }));
	} else if (type === 'list') {
		view.list = {
			button: str(action.button) ?? '',
			sections: arr(action.sections).map((s) => ({
				...(str(obj(s).title) ? { title: str(obj(s).title) } : {}),
				rows: arr(obj(s).rows).map((r) => ({ title: str(obj(r).title) ?? '', ...(str(obj(r).description) ? { description: str(obj(r).description) } : {}) })),
			})),
		};
	} else if (type === 'cta_url') {
		const p = obj(action.parameters);
		view.buttons = [{ kind: 'url', label: str(p.display_text) ?? '', url: str(p.url) ?? '' }];
	}
	return view;
}

/** A WhatsApp Cloud API message body as the customer sees it; `templates` as the WABA lists them. */
export function whatsappView(body: Record<string, unknown>, templates: readonly TemplateDefinition[]): WhatsAppView {
	const type = str(body.type) ?? 'text';
	if (type === 'template') return templateView(obj(body.template), templates);
	if (type === 'interactive') return interactiveView(obj(body.interactive));
	if (type === 'text') return { messageType: 'text', text: str(obj(body.text).body) ?? '', buttons: [] };
	const media = obj(body[type]);
	const link = str(media.link);
	return { messageType: type, ...(type === 'image' && link ? { header: { imageUrl: link } } : {}), text: str(media.caption) ?? `(${type} message)`, buttons: [] };
}

/** The number a WhatsApp message went to, E.164 with its '+' (the Cloud API takes it as digits). */
export function whatsappRecipient(body: Record<string, unknown>): string {
	const to = str(body.to) ?? '';
	return /^\d+$/.test(to) ? `+${to}` : to;
}

function messengerButtons(buttons: unknown): ChatButton[] {
	return arr(buttons).map((raw) => {
		const b = obj(raw);
		const label = str(b.title) ?? '';
		if (b.type === 'web_url') return { kind: 'url', label, url: str(b.url) ?? '' };
		if (b.type === 'phone_number') return { kind: 'phone', label, phone: str(b.payload) ?? '' };
		return { kind: 'postback', label, payload: str(b.payload) ?? '' };
	});
}

/** A Messenger Send API body as the customer sees it. */
export function messengerView(body: Record<string, unknown>): MessengerView {
	const message = obj(body.message);
	const view: MessengerView = {
		messageType: 'other',
		cards: [],
		buttons: [],
		quickReplies: arr(message.quick_replies).map((q) => ({ title: str(obj(q).title) ?? '', ...(str(obj(q).image_url) ? { imageUrl: str(obj(q).image_url) } : {}) })),
	};
	if (str(message.text) !== undefined) return { ...view, messageType: 'text', text: str(message.text) };
	const attachment = obj(message.attachment);
	const payload = obj(attachment.payload);
	if (attachment.type === 'template' && payload.template_type === 'generic') {
		return {
			...view,
			messageType: 'carousel',
			...(payload.image_aspect_ratio === 'square' ? { square: true } : {}),
			cards: arr(payload.elements).map((raw) => {
				const e = obj(raw);
				const url = str(obj(e.default_action).url);
				return {
					title: str(e.title) ?? '',
					...(str(e.subtitle) ? { subtitle: str(e.subtitle) } : {}),
					...(str(e.image_url) ? { imageUrl: str(e.image_url) } : {}),
					...(url ? { url } : {}),
					buttons: messengerButtons(e.buttons),
				};
			}),
		};
	}
	if (attachment.type === 'template' && payload.template_type === 'button') {
		return { ...view, messageType: 'buttons', text: str(payload.text) ?? '', buttons: messengerButtons(payload.buttons) };
	}
	return { ...view, text: attachment.type ? `(${String(attachment.type)} attachment)` : '' };
}

/** The page-scoped id a Messenger message went to. */
export function messengerRecipient(body: Record<string, unknown>): string {
	return str(obj(body.recipient).id) ?? '';
}
