// The outbox web page: one self-contained HTML document (no external assets, works offline). It polls
// /api/messages and shows each message as its recipient would see it. Emails render inside sandboxed iframes
// (no scripts; links open in a new tab, so the unsubscribe link in a mail really reaches n8n's unsubscribe
// workflow); SMS show their text with encoding and segment count.
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
</style>
</head>
<body>
<header>
	<h1>Outbox</h1>
	<div class="tabs" role="tablist">
		<button data-filter="all" class="on">All <span id="n-all">0</span></button>
		<button data-filter="email">Email <span id="n-email">0</span></button>
		<button data-filter="sms">SMS <span id="n-sms">0</span></button>
	</div>
	<div class="hint">What SendGrid and Twilio received from n8n, as the customer would see it. Nothing leaves this machine. New messages appear by themselves.</div>
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
				list.insertBefore(m.kind === 'email' ? emailCard(m) : smsCard(m), list.firstChild);
			}
			empty.hidden = messages.length > 0;
			document.getElementById('n-all').textContent = messages.length;
			document.getElementById('n-email').textContent = messages.filter((m) => m.kind === 'email').length;
			document.getElementById('n-sms').textContent = messages.filter((m) => m.kind === 'sms').length;
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
