// The outbox web page: one self-contained HTML document (no external assets, works offline). It polls
// /api/messages and shows each message as its recipient would see it. Emails render inside sandboxed iframes
// (no scripts; links open in a new tab, so the unsubscribe link in a mail really reaches n8n's unsubscribe
// workflow); SMS show their text with encoding and segment count; WhatsApp and Messenger messages look as the
// chat apps show them (WhatsApp bubble with its buttons, the copy-code button labelled with the code; Messenger
// carousel cards and quick-reply pills). Every text is escaped; an image loads only from an http(s) URL and falls
// back to a placeholder box.
export function outboxPage(): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outbox — cart recovery demo</title>
<style>
	:root { --bg:#f4f5f7; --card:#fff; --line:#e2e4e8; --muted:#6b7280; --accent:#ea4b71; --sms:#e7f6ec; }
	* { box-sizing: border-box; }
	body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:#1f2328; }
	header { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--line); padding:12px 24px; display:flex; gap:16px; align-items:center; flex-wrap:wrap; }
	header h1 { font-size:18px; margin:0; }
	header .hint { color:var(--muted); font-size:13px; flex:1 1 320px; }
	.tabs button { border:1px solid var(--line); background:#fff; border-radius:16px; padding:4px 12px; cursor:pointer; font:inherit; }
	.tabs button.on { background:#1f2328; color:#fff; border-color:#1f2328; }
	main { max-width:980px; margin:0 auto; padding:20px 24px 60px; display:flex; flex-direction:column; gap:16px; }
	.empty { color:var(--muted); text-align:center; padding:60px 0; }
	.msg { background:var(--card); border:1px solid var(--line); border-radius:10px; overflow:hidden; }
	.meta { padding:12px 16px; border-bottom:1px solid var(--line); display:grid; grid-template-columns:auto 1fr auto; gap:2px 12px; align-items:baseline; }
	.kind { grid-row:span 3; font-size:22px; align-self:center; }
	.subject { font-weight:600; font-size:15px; }
	.who, .when { color:var(--muted); font-size:13px; }
	.when { text-align:right; grid-row:span 3; align-self:center; white-space:nowrap; }
	.badges { display:flex; gap:6px; flex-wrap:wrap; }
	.badge { font-size:12px; border-radius:10px; padding:1px 8px; background:#eef0f3; color:#374151; }
	.badge.warn { background:#fff3cd; color:#7a5a00; }
	iframe.mail { display:block; width:100%; height:420px; border:0; background:#fff; }
	details { border-top:1px solid var(--line); padding:8px 16px; }
	details summary { cursor:pointer; color:var(--muted); font-size:13px; }
	pre { white-space:pre-wrap; word-break:break-word; font:12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; margin:8px 0; }
	.phone { padding:16px; background:#fafbfc; }
	.bubble { max-width:420px; background:var(--sms); border-radius:16px 16px 16px 4px; padding:10px 14px; white-space:pre-wrap; word-break:break-word; font-size:15px; }
	.img-ph { display:flex; align-items:center; justify-content:center; background:repeating-linear-gradient(45deg,#e5e7eb,#e5e7eb 8px,#eef0f3 8px,#eef0f3 16px); color:var(--muted); font-size:12px; }
	.wa-bar { background:#008069; color:#fff; font-weight:600; padding:8px 16px; font-size:14px; }
	.wa-chat { padding:16px; background:#efeae2; }
	.wa-msg { max-width:360px; }
	.wa-bubble { background:#fff; border-radius:0 8px 8px 8px; padding:4px; box-shadow:0 1px 0.5px rgba(11,20,26,.13); }
	.wa-header-img { width:100%; height:180px; object-fit:cover; border-radius:6px; }
	.wa-header-text { font-weight:700; padding:6px 8px 0; }
	.wa-text { padding:6px 8px 2px; white-space:pre-wrap; word-break:break-word; font-size:14.5px; color:#111b21; }
	.wa-footer { padding:0 8px 4px; color:#667781; font-size:13px; white-space:pre-wrap; }
	.wa-time { text-align:right; color:#667781; font-size:11px; padding:0 8px 2px; }
	.wa-buttons { display:flex; flex-direction:column; gap:2px; margin-top:2px; }
	.wa-button { display:block; background:#fff; border-radius:8px; padding:9px 8px; text-align:center; color:#027eb5; font-weight:500; text-decoration:none; box-shadow:0 1px 0.5px rgba(11,20,26,.13); word-break:break-word; }
	.wa-button .code { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-weight:700; color:#111b21; letter-spacing:.5px; }
	.wa-button .link { display:block; font-size:11px; color:#667781; font-weight:400; }
	.wa-list { margin-top:4px; background:#fff; border-radius:8px; padding:8px; box-shadow:0 1px 0.5px rgba(11,20,26,.13); }
	.wa-list h4 { margin:6px 0 2px; font-size:12px; color:#008069; text-transform:uppercase; }
	.wa-row { padding:4px 0; border-top:1px solid #f0f2f5; }
	.wa-row small { display:block; color:#667781; }
	.ms-bar { background:#0866ff; color:#fff; font-weight:600; padding:8px 16px; font-size:14px; }
	.ms-chat { padding:16px; background:#fff; display:flex; flex-direction:column; gap:8px; }
	.ms-bubble { align-self:flex-start; max-width:360px; background:#f0f0f0; border-radius:18px; padding:8px 12px; white-space:pre-wrap; word-break:break-word; font-size:15px; }
	.ms-template { align-self:flex-start; max-width:300px; border:1px solid #e4e6eb; border-radius:18px; overflow:hidden; }
	.ms-template .ms-text { padding:10px 12px; white-space:pre-wrap; word-break:break-word; }
	.ms-carousel { display:flex; gap:8px; overflow-x:auto; padding-bottom:6px; scroll-snap-type:x mandatory; }
	.ms-card { flex:0 0 260px; border:1px solid #e4e6eb; border-radius:18px; overflow:hidden; background:#fff; scroll-snap-align:start; display:flex; flex-direction:column; }
	.ms-image { width:100%; height:136px; object-fit:cover; }
	.ms-carousel.square .ms-image { height:260px; }
	img.wa-header-img, img.ms-image { display:block; }
	.ms-info { padding:8px 12px; }
	.ms-title { font-weight:600; word-break:break-word; }
	.ms-subtitle { color:#65676b; font-size:13px; word-break:break-word; }
	.ms-button { display:block; border-top:1px solid #e4e6eb; padding:8px 12px; text-align:center; color:#0866ff; font-weight:600; text-decoration:none; word-break:break-word; }
	.ms-quick { display:flex; gap:6px; flex-wrap:wrap; justify-content:flex-end; }
	.ms-pill { border:1px solid #0866ff; color:#0866ff; border-radius:16px; padding:4px 12px; font-size:13px; display:inline-flex; gap:4px; align-items:center; }
	.ms-pill img { width:16px; height:16px; border-radius:50%; }
</style>
</head>
<body>
<header>
	<h1>Outbox</h1>
	<div class="tabs" role="tablist">
		<button data-filter="all" class="on">All <span id="n-all">0</span></button>
		<button data-filter="email">Email <span id="n-email">0</span></button>
		<button data-filter="sms">SMS <span id="n-sms">0</span></button>
		<button data-filter="whatsapp">WhatsApp <span id="n-whatsapp">0</span></button>
		<button data-filter="messenger">Messenger <span id="n-messenger">0</span></button>
	</div>
	<div class="hint">What SendGrid, Twilio and Meta (WhatsApp, Messenger) received from n8n, as the customer would see it. Nothing leaves this machine. New messages appear by themselves.</div>
</header>
<main id="list"><div class="empty" id="empty">No messages yet — the first reminders arrive after the (shortened) waits.</div></main>
<script>
(() => {
	const list = document.getElementById('list');
	const empty = document.getElementById('empty');
	const shown = new Set();
	let filter = 'all';
	const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&':'&amp;', '<':'&lt;', '>':'&gt;', '"':'&quot;', "'":'&#39;' })[c]);
	const time = (iso) => new Date(iso).toLocaleTimeString();

	function emailCard(m) {
		const el = document.createElement('article');
		el.className = 'msg';
		el.dataset.kind = 'email';
		el.dataset.to = m.to;
		el.dataset.id = m.id;
		const headers = Object.entries(m.headers).map(([k, v]) => k + ': ' + v).join('\\n');
		const args = Object.entries(m.customArgs).map(([k, v]) => k + '=' + v).join(', ');
		el.innerHTML =
			'<div class="meta"><div class="kind" title="Email">✉️</div>' +
			'<div class="subject">' + esc(m.subject) + '</div><div class="when">' + esc(time(m.at)) + '</div>' +
			'<div class="who">To ' + esc(m.to) + ' · from ' + esc(m.from) + '</div>' +
			'<div class="badges">' + m.categories.map((c) => '<span class="badge">' + esc(c) + '</span>').join('') + '</div></div>';
		const frame = document.createElement('iframe');
		frame.className = 'mail';
		frame.title = m.subject;
		// No allow-scripts: the mail cannot run code. allow-same-origin only lets this page measure its height.
		frame.setAttribute('sandbox', 'allow-same-origin allow-popups allow-popups-to-escape-sandbox');
		frame.srcdoc = '<base target="_blank">' + m.html;
		// The whole mail, never clipped (the button and the unsubscribe link are at the bottom): the frame takes the
		// height of its content, again whenever that changes (late images, a narrower window).
		const fit = () => {
			try {
				const doc = frame.contentDocument;
				const height = Math.max(doc.body ? doc.body.scrollHeight : 0, doc.documentElement.scrollHeight, doc.documentElement.offsetHeight);
				if (height > 0) frame.style.height = height + 'px';
			} catch {}
		};
		frame.addEventListener('load', () => {
			fit();
			try { new ResizeObserver(fit).observe(frame.contentDocument.body); } catch {}
		});
		el.appendChild(frame);
		const more = document.createElement('details');
		more.innerHTML = '<summary>Plain-text part and headers</summary><pre>' + esc(m.text) + '</pre><pre>' + esc(headers) + (args ? '\\ncustom_args: ' + esc(args) : '') + '</pre>';
		el.appendChild(more);
		return el;
	}

	function smsCard(m) {
		const el = document.createElement('article');
		el.className = 'msg';
		el.dataset.kind = 'sms';
		el.dataset.to = m.to;
		el.dataset.id = m.id;
		const seg = m.segments + ' segment' + (m.segments === 1 ? '' : 's');
		const why = m.nonGsmCharacters.length ? '<span class="badge warn" title="These characters are not in the GSM-7 alphabet, so the whole SMS is sent as UCS-2">UCS-2 because of ' + esc(m.nonGsmCharacters.join(' ')) + '</span>' : '';
		el.innerHTML =
			'<div class="meta"><div class="kind" title="SMS">💬</div>' +
			'<div class="subject">SMS to ' + esc(m.to) + '</div><div class="when">' + esc(time(m.at)) + '</div>' +
			'<div class="who">from ' + esc(m.from) + '</div>' +
			'<div class="badges"><span class="badge sms-segments">' + esc(m.encoding) + ' · ' + esc(seg) + ' (' + m.perSegment + ' per segment) · ' + m.characters + ' characters</span>' + why + '</div></div>' +
			'<div class="phone"><div class="bubble">' + esc(m.body) + '</div></div>';
		return el;
	}

	// Only http(s) images load; anything else (and an image that fails to load) is a placeholder box.
	const isHttp = (u) => typeof u === 'string' && /^https?:[/][/]\\S+$/i.test(u);
	const placeholder = (cls, label) => '<div class="img-ph ' + cls + '" role="img" aria-label="' + esc(label) + '">' + esc(label) + '</div>';
	const image = (url, cls, label) => isHttp(url) ? '<img class="' + cls + '" src="' + esc(url) + '" alt="' + esc(label) + '" loading="lazy" referrerpolicy="no-referrer" data-fallback="' + esc(label) + '">' : placeholder(cls, label);
	function fallbackImages(el) {
		for (const img of el.querySelectorAll('img[data-fallback]')) {
			img.addEventListener('error', () => {
				const box = document.createElement('div');
				box.className = 'img-ph ' + img.className;
				box.setAttribute('role', 'img');
				box.textContent = img.dataset.fallback;
				img.replaceWith(box);
			}, { once: true });
		}
	}
	const link = (url, cls, inner) => isHttp(url)
		? '<a class="' + cls + '" href="' + esc(url) + '" target="_blank" rel="noopener noreferrer" title="' + esc(url) + '">' + inner + '</a>'
		: '<span class="' + cls + '" title="' + esc(url) + '">' + inner + '</span>';

	function waButton(b) {
		if (b.kind === 'copy_code') return '<div class="wa-button copy-code" data-code="' + esc(b.code) + '" title="' + esc(b.label) + '">📋 ' + esc(b.label) + ' <span class="code">' + esc(b.code) + '</span></div>';
		if (b.kind === 'url') return link(b.url, 'wa-button url', '↗ ' + esc(b.label) + '<span class="link">' + esc(b.url) + '</span>');
		if (b.kind === 'phone') return '<div class="wa-button phone" title="' + esc(b.phone) + '">✆ ' + esc(b.label) + '</div>';
		return '<div class="wa-button reply">↩ ' + esc(b.label) + '</div>';
	}

	function whatsappCard(m) {
		const el = document.createElement('article');
		el.className = 'msg';
		el.dataset.kind = 'whatsapp';
		el.dataset.to = m.to;
		el.dataset.id = m.id;
		const what = m.template ? 'Template ' + m.template.name + ' · ' + m.template.language + (m.template.found ? '' : ' (not in the template list)') : m.messageType;
		let bubble = '';
		if (m.header && !m.header.text) bubble += image(m.header.imageUrl, 'wa-header-img', 'Header image');
		if (m.header && m.header.text) bubble += '<div class="wa-header-text">' + esc(m.header.text) + '</div>';
		bubble += '<div class="wa-text">' + esc(m.text) + '</div>';
		if (m.footer) bubble += '<div class="wa-footer">' + esc(m.footer) + '</div>';
		bubble += '<div class="wa-time">' + esc(time(m.at)) + '</div>';
		let list = '';
		if (m.list) {
			list = '<div class="wa-button list-button">☰ ' + esc(m.list.button) + '</div><div class="wa-list">' + m.list.sections.map((s) =>
				(s.title ? '<h4>' + esc(s.title) + '</h4>' : '') + s.rows.map((r) => '<div class="wa-row">' + esc(r.title) + (r.description ? '<small>' + esc(r.description) + '</small>' : '') + '</div>').join('')
			).join('') + '</div>';
		}
		el.innerHTML =
			'<div class="meta"><div class="kind" title="WhatsApp">🟢</div>' +
			'<div class="subject">WhatsApp to ' + esc(m.to) + '</div><div class="when">' + esc(time(m.at)) + '</div>' +
			'<div class="who">from ' + esc(m.from) + '</div>' +
			'<div class="badges"><span class="badge wa-type">' + esc(what) + '</span></div></div>' +
			'<div class="wa-bar">WhatsApp</div>' +
			'<div class="wa-chat"><div class="wa-msg"><div class="wa-bubble">' + bubble + '</div>' +
			(m.buttons.length ? '<div class="wa-buttons">' + m.buttons.map(waButton).join('') + '</div>' : '') + list + '</div></div>';
		fallbackImages(el);
		return el;
	}

	function msButton(b) {
		if (b.kind === 'url') return link(b.url, 'ms-button url', esc(b.label));
		if (b.kind === 'phone') return '<div class="ms-button phone" title="' + esc(b.phone) + '">' + esc(b.label) + '</div>';
		return '<div class="ms-button postback" title="' + esc(b.payload || '') + '">' + esc(b.label) + '</div>';
	}

	function messengerCard(m) {
		const el = document.createElement('article');
		el.className = 'msg';
		el.dataset.kind = 'messenger';
		el.dataset.to = m.to;
		el.dataset.id = m.id;
		let chat = '';
		if (m.messageType === 'carousel') {
			chat += '<div class="ms-carousel' + (m.square ? ' square' : '') + '">' + m.cards.map((c) =>
				'<div class="ms-card"' + (c.url ? ' data-url="' + esc(c.url) + '"' : '') + '>' + image(c.imageUrl, 'ms-image', 'Image') +
				'<div class="ms-info"><div class="ms-title">' + esc(c.title) + '</div>' + (c.subtitle ? '<div class="ms-subtitle">' + esc(c.subtitle) + '</div>' : '') + '</div>' +
				c.buttons.map(msButton).join('') + '</div>'
			).join('') + '</div>';
		} else if (m.messageType === 'buttons') {
			chat += '<div class="ms-template"><div class="ms-text">' + esc(m.text) + '</div>' + m.buttons.map(msButton).join('') + '</div>';
		} else {
			chat += '<div class="ms-bubble">' + esc(m.text) + '</div>';
		}
		if (m.quickReplies.length) {
			chat += '<div class="ms-quick">' + m.quickReplies.map((q) => '<span class="ms-pill">' + (isHttp(q.imageUrl) ? '<img src="' + esc(q.imageUrl) + '" alt="" referrerpolicy="no-referrer" data-fallback="">' : '') + esc(q.title) + '</span>').join('') + '</div>';
		}
		el.innerHTML =
			'<div class="meta"><div class="kind" title="Messenger">🔵</div>' +
			'<div class="subject">Messenger to ' + esc(m.to) + '</div><div class="when">' + esc(time(m.at)) + '</div>' +
			'<div class="who">from ' + esc(m.from) + '</div>' +
			'<div class="badges"><span class="badge ms-type">' + esc(m.messageType) + (m.cards.length ? ' · ' + m.cards.length + ' card' + (m.cards.length === 1 ? '' : 's') : '') + '</span></div></div>' +
			'<div class="ms-bar">Messenger</div><div class="ms-chat">' + chat + '</div>';
		fallbackImages(el);
		return el;
	}

	const cards = { email: emailCard, sms: smsCard, whatsapp: whatsappCard, messenger: messengerCard };

	function applyFilter() {
		for (const el of list.querySelectorAll('article.msg')) el.hidden = filter !== 'all' && el.dataset.kind !== filter;
		for (const b of document.querySelectorAll('.tabs button')) b.classList.toggle('on', b.dataset.filter === filter);
	}
	for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => { filter = b.dataset.filter; applyFilter(); });

	async function poll() {
		try {
			const res = await fetch('/api/messages', { cache: 'no-store' });
			const { messages } = await res.json();
			for (const m of messages) {
				if (shown.has(m.id)) continue;
				shown.add(m.id);
				const card = cards[m.kind];
				if (card) list.insertBefore(card(m), list.firstChild);
			}
			empty.hidden = messages.length > 0;
			document.getElementById('n-all').textContent = messages.length;
			document.getElementById('n-email').textContent = messages.filter((m) => m.kind === 'email').length;
			for (const kind of ['sms', 'whatsapp', 'messenger']) document.getElementById('n-' + kind).textContent = messages.filter((m) => m.kind === kind).length;
			document.title = (messages.length ? '(' + messages.length + ') ' : '') + 'Outbox — cart recovery demo';
			applyFilter();
		} catch {}
	}
	poll();
	setInterval(poll, 1500);
})();
</script>
</body>
</html>
`;
}
