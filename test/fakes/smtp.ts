import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback SMTP server (RFC 5321, the part a submission client uses): 220 greeting, EHLO/HELO, MAIL FROM,
 * RCPT TO, DATA (dot-unstuffed, ended by CRLF.CRLF), RSET, NOOP, QUIT. No STARTTLS and no AUTH are offered, so a
 * client configured without them talks plain text. Commands out of order get 503, unknown ones 500, as real
 * servers answer. Each accepted message is kept with its envelope and raw data.
 */
export interface SmtpMessage {
	from: string;
	to: string[];
	/** The message as sent: headers, blank line, body (MIME as the client built it). */
	data: string;
}

export interface SmtpFake {
	host: string;
	port: number;
	messages: SmtpMessage[];
	close(): Promise<void>;
}

export async function startSmtpFake(): Promise<SmtpFake> {
	const messages: SmtpMessage[] = [];
	const sockets = new Set<Socket>();
	const server: Server = createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.setEncoding('utf8');
		let buffer = '';
		let greeted = false;
		let from: string | null = null;
		let to: string[] = [];
		let data: string[] | null = null;
		const reply = (line: string) => socket.write(`${line}\r\n`);
		reply('220 smtp.fake.local ESMTP ready');
		socket.on('data', (chunk: string) => {
			buffer += chunk;
			let at: number;
			while ((at = buffer.indexOf('\r\n')) >= 0) {
				const line = buffer.slice(0, at);
				buffer = buffer.slice(at + 2);
				if (data) {
					if (line === '.') {
						messages.push({ from: from ?? '', to, data: data.join('\r\n') });
						data = null;
						from = null;
						to = [];
						reply('250 2.0.0 Ok: queued');
					} else data.push(line.startsWith('..') ? line.slice(1) : line);
					continue;
				}
				const [verb] = line.split(' ');
				switch (verb.toUpperCase()) {
					case 'EHLO':
						greeted = true;
						socket.write('250-smtp.fake.local\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
						break;
					case 'HELO':
						greeted = true;
						reply('250 smtp.fake.local');
						break;
					case 'MAIL': {
						const m = /^MAIL FROM:\s*<([^>]*)>/i.exec(line);
						if (!greeted) reply('503 5.5.1 Error: send HELO/EHLO first');
						else if (!m) reply('501 5.5.4 Syntax: MAIL FROM:<address>');
						else {
							from = m[1];
							to = [];
							reply('250 2.1.0 Ok');
						}
						break;
					}
					case 'RCPT': {
						const m = /^RCPT TO:\s*<([^>]+)>/i.exec(line);
						if (from === null) reply('503 5.5.1 Error: need MAIL command');
						else if (!m) reply('501 5.5.4 Syntax: RCPT TO:<address>');
						else {
							to.push(m[1]);
							reply('250 2.1.5 Ok');
						}
						break;
					}
					case 'DATA':
						if (!to.length) reply('503 5.5.1 Error: need RCPT command');
						else {
							data = [];
							reply('354 End data with <CR><LF>.<CR><LF>');
						}
						break;
					case 'RSET':
						from = null;
						to = [];
						reply('250 2.0.0 Ok');
						break;
					case 'NOOP':
						reply('250 2.0.0 Ok');
						break;
					case 'QUIT':
						reply('221 2.0.0 Bye');
						socket.end();
						break;
					default:
						reply('500 5.5.2 Error: command not recognized');
				}
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		host: '127.0.0.1',
		port,
		messages,
		close: async () => {
			for (const s of sockets) s.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
