// Runs workflow JSON through n8n's real execution engine (n8n-core's WorkflowExecute) inside the test
// process: our nodes are loaded from the built package the way n8n loads a community package, n8n's
// built-in nodes (Manual Trigger, Set, If, NoOp, …) from the pinned n8n runtime. No server, no mocks.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

// n8n-core writes ~/.n8n/config on first use unless the user folder is set before it is loaded.
process.env.N8N_USER_FOLDER ??= mkdtempSync(path.join(tmpdir(), 'cr-engine-'));
process.env.N8N_ENCRYPTION_KEY ??= 'cart-recovery-engine-tests';

import { ExecutionLifecycleHooks, PackageDirectoryLoader, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
	type IBinaryKeyData,
	type ICredentialDataDecryptedObject,
	type IConnections,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IRunExecutionData,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = 'n8n-nodes-cart-recovery';

/** Built-in node types the tests use, by type name → file in n8n-nodes-base (from the n8n runtime). */
const BUILT_IN: Record<string, string> = {
	'n8n-nodes-base.manualTrigger': 'ManualTrigger/ManualTrigger.node.js',
	'n8n-nodes-base.set': 'Set/Set.node.js',
	'n8n-nodes-base.if': 'If/If.node.js',
	'n8n-nodes-base.noOp': 'NoOp/NoOp.node.js',
	'n8n-nodes-base.switch': 'Switch/Switch.node.js',
	'n8n-nodes-base.merge': 'Merge/Merge.node.js',
	'n8n-nodes-base.stopAndError': 'StopAndError/StopAndError.node.js',
};

function runtimeNodesDir(): string {
	const runtime = process.env.N8N_RUNTIME_DIR;
	if (!runtime) throw new Error('N8N_RUNTIME_DIR is not set: run tests through `npm test` / scripts/test.sh');
	return path.join(runtime, 'node_modules', 'n8n-nodes-base', 'dist', 'nodes');
}

class NodeTypeRegistry implements INodeTypes {
	private readonly types = new Map<string, INodeType | IVersionedNodeType>();

	register(name: string, type: INodeType | IVersionedNodeType) {
		this.types.set(name, type);
	}

	private load(name: string): INodeType | IVersionedNodeType {
		let type = this.types.get(name);
		if (!type && BUILT_IN[name]) {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const module = require(path.join(runtimeNodesDir(), BUILT_IN[name]));
			const Class = Object.values(module)[0] as new () => INodeType | IVersionedNodeType;
			type = new Class();
			this.types.set(name, type);
		}
		if (!type) throw new Error(`Unknown node type "${name}" (known: ${[...this.types.keys(), ...Object.keys(BUILT_IN)].join(', ')})`);
		return type;
	}

	getByName(name: string) {
		return this.load(name);
	}

	getByNameAndVersion(name: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.load(name), version);
	}

	getKnownTypes() {
		return {};
	}
}

let registry: Promise<{ nodeTypes: NodeTypeRegistry; loader: PackageDirectoryLoader }> | undefined;

/** Our package loaded as n8n loads it (package.json `n8n` block → dist files), once per test process. */
export function loadPackage() {
	registry ??= (async () => {
		const loader = new PackageDirectoryLoader(PACKAGE_ROOT);
		await loader.loadAll();
		const nodeTypes = new NodeTypeRegistry();
		for (const [name, data] of Object.entries(loader.nodeTypes)) {
			nodeTypes.register(`${PACKAGE_NAME}.${name}`, data.type);
		}
		return { nodeTypes, loader };
	})();
	return registry;
}

class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly byType: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}
	getParentTypes() {
		return [];
	}
	isCredentialUsableByNode() {
		return true;
	}
	async authenticate(_c: ICredentialDataDecryptedObject, _t: string, requestOptions: never) {
		return requestOptions;
	}
	async preAuthentication() {
		return undefined;
	}
	async runPreAuthentication() {
		return undefined;
	}
	async getCredentials(): Promise<never> {
		throw new Error('getCredentials is not available in the engine harness');
	}
	async getDecrypted(_a: IWorkflowExecuteAdditionalData, _n: unknown, type: string) {
		const data = this.byType[type];
		if (!data) throw new Error(`The test gave no credentials of type "${type}"`);
		return data;
	}
	async updateCredentials() {}
	async updateCredentialsOauthTokenData() {}
	getCredentialsProperties() {
		return [];
	}
}

export interface WorkflowJson {
	nodes: INode[];
	connections: IConnections;
	name?: string;
	settings?: IDataObject;
}

export interface RunOptions extends WorkflowJson {
	/** Items a node outputs instead of running (feed the trigger this way: Manual Trigger ignores input). */
	pinData?: Record<string, Array<{ json: IDataObject; binary?: IBinaryKeyData }>>;
	/** Credential data by credential type, e.g. `{ cartRecoveryStoreApi: db.credentials }`. */
	credentials?: Record<string, object>;
	mode?: WorkflowExecuteMode;
}

export interface RunResult {
	run: IRun;
	status: IRun['status'];
	error?: Error & { description?: string; node?: INode };
	/** The items a node put on one of its outputs in its (first) run; [] when it did not run or output nothing. */
	output(nodeName: string, outputIndex?: number): IDataObject[];
	/** Every output of a node: json per output index. */
	outputs(nodeName: string): IDataObject[][];
	ran(nodeName: string): boolean;
}

/** Runs a workflow to completion through n8n's WorkflowExecute and returns what each node produced. */
export async function runWorkflow(options: RunOptions): Promise<RunResult> {
	const { nodeTypes } = await loadPackage();
	const id = randomUUID();
	const nodes = options.nodes.map((n) => ({ ...n, id: n.id ?? randomUUID(), parameters: n.parameters ?? {} })) as INode[];
	const workflowData: IWorkflowBase = {
		id,
		name: options.name ?? 'engine test',
		active: false,
		isArchived: false,
		nodes,
		connections: options.connections,
		settings: { executionOrder: 'v1', ...(options.settings ?? {}) },
		createdAt: new Date(),
		updatedAt: new Date(),
	} as IWorkflowBase;
	const workflow = new Workflow({
		id,
		name: workflowData.name,
		nodes,
		connections: options.connections,
		nodeTypes,
		active: false,
		settings: workflowData.settings,
	});

	const mode = options.mode ?? 'manual';
	const executionId = randomUUID();
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	const finished = Promise.withResolvers<IRun>();
	hooks.addHandler('workflowExecuteAfter', (fullRunData: IRun) => finished.resolve(fullRunData));

	const base = 'http://127.0.0.1:5678';
	const additionalData = {
		hooks,
		credentialsHelper: new TestCredentialsHelper((options.credentials ?? {}) as Record<string, ICredentialDataDecryptedObject>),
		executionId,
		variables: {},
		currentNodeParameters: undefined,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: base,
		userId: 'engine-test-user',
	} as unknown as IWorkflowExecuteAdditionalData;

	const start = nodes.find((n) => nodeTypes.getByNameAndVersion(n.type, n.typeVersion).description.group.includes('trigger')) ?? nodes[0];
	const pinData = Object.fromEntries(
		Object.entries(options.pinData ?? {}).map(([name, items]) => [name, items.map((i) => ({ json: i.json, ...(i.binary ? { binary: i.binary } : {}) }))]),
	) as Record<string, INodeExecutionData[]>;
	const runExecutionData: IRunExecutionData = {
		startData: {},
		resultData: { runData: {}, pinData },
		executionData: {
			contextData: {},
			nodeExecutionStack: [{ node: start, data: { main: [pinData[start.name] ?? [{ json: {} }]] }, source: null }],
			metadata: {},
			waitingExecution: {},
			waitingExecutionSource: {},
		},
	} as unknown as IRunExecutionData;

	const execute = new WorkflowExecute(additionalData, mode, runExecutionData);
	await execute.processRunExecutionData(workflow);
	const run = await finished.promise;

	const runData = run.data.resultData.runData;
	const outputs = (nodeName: string): IDataObject[][] =>
		(runData[nodeName]?.[0]?.data?.main ?? []).map((items: INodeExecutionData[] | null) => (items ?? []).map((item) => item.json));
	return {
		run,
		status: run.status,
		error: run.data.resultData.error as RunResult['error'],
		outputs,
		output: (nodeName, outputIndex = 0) => outputs(nodeName)[outputIndex] ?? [],
		ran: (nodeName) => !!runData[nodeName],
	};
}

/** A node entry for workflow JSON in tests: `node('Cart Check', 'cartCheck', {...})` for ours, full type names for built-ins. */
export function node(name: string, type: string, parameters: IDataObject = {}, extra: Partial<INode> = {}): INode {
	const fullType = type.includes('.') ? type : `${PACKAGE_NAME}.${type}`;
	return {
		id: randomUUID(),
		name,
		type: fullType,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		...(fullType.startsWith(PACKAGE_NAME) ? { credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' } } } : {}),
		...extra,
	} as INode;
}

/** `connect(['A', 'B'], ['B', 'C', 1])`: A → B (output 0), B output 1 → C. */
export function connect(...links: Array<[string, string, number?]>): IConnections {
	const connections: IConnections = {};
	for (const [from, to, output = 0] of links) {
		connections[from] ??= { main: [] };
		const main = connections[from].main;
		while (main.length <= output) main.push([]);
		main[output]!.push({ node: to, type: 'main', index: 0 });
	}
	return connections;
}

/** A Manual Trigger node whose output the test pins (`pinData: { Start: items }`). */
export const manualTrigger = (name = 'Start') => node(name, 'n8n-nodes-base.manualTrigger', {});
