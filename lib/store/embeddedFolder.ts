import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { StoreError } from './errors';

/**
 * Where Embedded stores live, and which folder a Cart Recovery Store credential may open.
 *
 * Why so strict: on a multi-user n8n every member can create a credential. If two credentials could open one
 * folder, one team could export, erase or grant consent in another team's store — so each credential gets a
 * folder of its own (from its n8n ID), and a folder typed into Data Directory must stay inside the store root and
 * inside what n8n allows files in (N8N_RESTRICT_FILE_ACCESS_TO). The root is inside n8n's own folder, which n8n
 * keeps away from its Read/Write Files nodes, so the stores' files are out of their reach too.
 */

export const DATA_DIRECTORY_ERROR = 'EMBEDDED_DATA_DIRECTORY';

/** `<n8n user folder>/.n8n/cart-recovery-store`: the n8n user folder as n8n itself finds it. */
export function embeddedStoreRoot(): string {
	const userFolder = process.env.N8N_USER_FOLDER || os.homedir();
	return path.join(userFolder, '.n8n', 'cart-recovery-store');
}

/** The credentials' own folders: `<root>/credentials/<credential ID>`. Data Directory may not point in here. */
const OWN_FOLDERS = 'credentials';

/** The folder of a credential that leaves Data Directory empty. */
export function credentialStoreFolder(credentialId: string, root = embeddedStoreRoot()): string {
	// n8n's IDs are short alphanumeric strings; anything else (a path separator, "..") is hashed, never joined.
	const name = /^[A-Za-z0-9_-]{1,64}$/.test(credentialId) ? credentialId : `id-${createHash('sha256').update(credentialId).digest('hex').slice(0, 32)}`;
	return path.join(root, OWN_FOLDERS, name);
}

/** n8n's own default for N8N_RESTRICT_FILE_ACCESS_TO in 2.x (SecurityConfig.restrictFileAccessTo). */
const N8N_DEFAULT_ALLOWED_FILES = '~/.n8n-files';

/**
 * The folders n8n allows file access in, read as n8n reads N8N_RESTRICT_FILE_ACCESS_TO: semicolon-separated,
 * trimmed, a leading `~` is the home folder; unset means n8n's default, an empty value means no restriction ([]).
 */
export function allowedFileFolders(env: NodeJS.ProcessEnv = process.env): string[] {
	const value = env.N8N_RESTRICT_FILE_ACCESS_TO ?? N8N_DEFAULT_ALLOWED_FILES;
	return value
		.split(';')
		.map((p) => p.trim())
		.filter(Boolean)
		.map((p) => path.resolve(p.startsWith('~') ? p.replace('~', os.homedir()) : p));
}

/** n8n's isContainedWithin: the folder itself or anything below it. */
const within = (parent: string, child: string) => child === parent || child.startsWith(parent + path.sep);

/** The real path of `p` (symbolic links resolved) even when its last parts do not exist yet. */
function realPath(p: string): string {
	const missing: string[] = [];
	let current = path.resolve(p);
	for (;;) {
		try {
			return path.join(realpathSync(current), ...missing.reverse());
		} catch {
			const parent = path.dirname(current);
			if (parent === current) return path.resolve(p);
			missing.push(path.basename(current));
			current = parent;
		}
	}
}

function refuse(message: string): never {
	throw new StoreError(message, DATA_DIRECTORY_ERROR);
}

/**
 * The folder a credential's Embedded store lives in. Empty Data Directory: the credential's own folder. Otherwise
 * a folder inside the root (a relative path is taken inside it), not inside another credential's own folder, and
 * allowed by N8N_RESTRICT_FILE_ACCESS_TO. Every refusal names the field and says what to do.
 */
export function resolveEmbeddedDataDir(dataDirectory: string | undefined, credentialId: string | undefined): string {
	const root = embeddedStoreRoot();
	if (existsSync(path.join(root, 'PG_VERSION'))) {
		const own = credentialId ? credentialStoreFolder(credentialId, root) : path.join(root, OWN_FOLDERS, '<credential ID>');
		refuse(
			`An Embedded store from an earlier version of this package is in ${root}, where every credential shared it. ` +
				`Stop n8n and move it into the folder of the credential that should keep it (for this credential ${own}; ` +
				'README, "Where the data lives"). Until then no Embedded store opens.',
		);
	}
	const typed = (dataDirectory ?? '').trim();
	if (!typed) {
		if (!credentialId) refuse('Data Directory is empty, so this credential keeps its data in a folder of its own, named after its ID: save the credential first.');
		return credentialStoreFolder(credentialId, root);
	}
	const expanded = typed.startsWith('~') ? typed.replace('~', os.homedir()) : typed;
	const target = realPath(path.resolve(root, expanded));
	const realRoot = realPath(root);
	const leaveEmpty = 'Leave Data Directory empty to use this credential’s own folder.';
	if (target === realRoot || !within(realRoot, target)) {
		refuse(`Data Directory must be a folder inside ${root} (it is ${target}). ${leaveEmpty}`);
	}
	if (within(path.join(realRoot, OWN_FOLDERS), target)) {
		refuse(`Data Directory may not point into ${path.join(root, OWN_FOLDERS)}: those are the credentials’ own folders. ${leaveEmpty}`);
	}
	const allowed = allowedFileFolders();
	if (allowed.length && !allowed.some((folder) => within(folder, target))) {
		const setting =
			process.env.N8N_RESTRICT_FILE_ACCESS_TO === undefined
				? `N8N_RESTRICT_FILE_ACCESS_TO is not set, so n8n allows files only in ${N8N_DEFAULT_ALLOWED_FILES}`
				: `N8N_RESTRICT_FILE_ACCESS_TO allows ${allowed.join(', ')}`;
		refuse(`Data Directory ${target} is outside the folders n8n allows files in (${setting}). ${leaveEmpty} To allow the folder, your n8n admin adds it to N8N_RESTRICT_FILE_ACCESS_TO.`);
	}
	return target;
}
