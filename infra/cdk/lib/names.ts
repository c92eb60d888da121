// Renders infra/names.json for one environment: physical names, ARNs, environment values, permissions.
// An implementation separate from the Python checker's, so a mistake in either shows up as a difference.
import { Aws, Lazy } from 'aws-cdk-lib';
import * as fs from 'fs';
import * as path from 'path';

export interface Grant { set?: string; actions?: string[]; resources?: string[] }
export interface Trigger {
  type: 'http' | 'sqs' | 'stream' | 'invoke';
  method?: string; path?: string; queue?: string; batchSize?: number; reportBatchItemFailures?: boolean;
  startingPosition?: string; bisectBatchOnFunctionError?: boolean; maximumRetryAttempts?: number;
  filter?: Record<string, unknown>; onFailure?: string;
}
export interface FunctionSpec {
  name: string; binary: string; trigger: Trigger; environment: Record<string, string>;
  durable?: { executionTimeout: number; retentionPeriodInDays: number }; permissions: Grant[];
  publish?: { alias: string };
}
export interface Names {
  service: string; domain: string;
  lambda: { runtime: string; architecture: string; handler: string; memorySize: number; timeout: number;
    managedPolicy: string; artifact: string; crate: string };
  datadog: { layer: string; environment: Record<string, string>; permissions: Grant[] };
  bus: string;
  api: { cors: { allowOrigin: string; allowHeaders: string; allowMethods: string } };
  table: { name: string; hashKey: string; billingMode: string; streamViewType: string; ttlAttribute: string;
    pointInTimeRecovery: boolean };
  parameters: Record<string, string>; writtenParameters: Record<string, string>;
  integrated: { environments: string[]; parameters: Record<string, string>; sharedBusParameter: string;
    notWritten: string[] };
  queueDefaults: { visibilityTimeout: number; messageRetentionPeriod: number; dlqMessageRetentionPeriod: number;
    maxReceiveCount: number; sqsManagedSse: boolean };
  queues: Record<string, { name: string; dlq: string }>;
  streamFailureQueue: { name: string };
  rules: Record<string, { name: string; pattern: Record<string, string[]>; queue: string }>;
  permissionSets: Record<string, { actions: string[]; resources: string[] }>;
  functions: Record<string, FunctionSpec>;
}

export function loadNames(file = path.join(__dirname, '..', '..', '..', '..', 'names.json')): Names {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Names;
}

export class Rendered {
  /** The ARN of the version each published function's deployment publishes, set once the version exists. */
  readonly versionArns: Record<string, string> = {};

  /** Whether ENV is an integrated environment: the shared JWT secret, and the rules on the shared bus too. */
  readonly integrated: boolean;

  /** A deploy-time input's value (the stack makes it a CfnParameter of the same name). */
  deployParameter: (name: string) => string = (name) => { throw new Error(`no deploy parameter ${name}`); };

  /** The Datadog extension layer's ARN. */
  layer(): string {
    return this.names.datadog.layer.split('{partition}').join(Aws.PARTITION).split('{region}').join(Aws.REGION);
  }

  /** A function's environment: the Datadog variables, then its own. */
  environment(key: string): Record<string, string> {
    const out: Record<string, string> = {};
    const both = { ...this.names.datadog.environment, ...this.names.functions[key].environment };
    for (const [k, v] of Object.entries(both)) out[k] = this.value(v);
    return out;
  }

  constructor(readonly names: Names, readonly env: string) {
    this.integrated = names.integrated.environments.includes(env);
  }

  alias(key: string): string {
    const alias = this.names.functions[key]?.publish?.alias;
    if (!alias) throw new Error(`names.json: ${key} is not published with an alias (no 'publish')`);
    return alias;
  }

  aliasArn(key: string): string { return this.arn('lambda', `function:${this.functionName(key)}:${this.alias(key)}`); }

  /** Resolved at synth time (the version is made after every function's environment is written). */
  versionArn(key: string): string {
    this.alias(key);
    return Lazy.string({
      produce: () => {
        const arn = this.versionArns[key];
        if (!arn) throw new Error(`no version was published for ${key}`);
        return arn;
      },
    });
  }

  sub(template: string): string { return template.split('{env}').join(this.env); }

  arn(service: string, resource: string): string {
    return `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
  }

  functionName(key: string): string {
    const fn = this.names.functions[key];
    if (!fn) throw new Error(`names.json: unknown function ${key}`);
    return this.sub(fn.name);
  }

  queueName(key: string): string {
    if (key === 'stream-failure-queue') return this.sub(this.names.streamFailureQueue.name);
    const queue = this.names.queues[key];
    if (!queue) throw new Error(`names.json: unknown queue ${key}`);
    return this.sub(queue.name);
  }

  parameterName(key: string): string {
    const all = { ...this.names.parameters, ...this.names.writtenParameters };
    if (!(key in all)) throw new Error(`names.json: unknown parameter ${key}`);
    const shared = this.names.integrated.parameters;
    return this.sub(this.integrated && key in shared ? shared[key] : all[key]);
  }

  resourceArn(token: string, functionKey: string): string {
    const table = this.sub(this.names.table.name);
    const [kind, ref] = token.split(':');
    switch (token) {
      case 'table': return this.arn('dynamodb', `table/${table}`);
      case 'stream': return this.arn('dynamodb', `table/${table}/stream/*`);
      case 'bus': return this.arn('events', `event-bus/${this.sub(this.names.bus)}`);
      case 'trigger-queue': {
        const queue = this.names.functions[functionKey].trigger.queue;
        if (!queue) throw new Error(`names.json: ${functionKey} uses trigger-queue but has no queue`);
        return this.arn('sqs', this.queueName(queue));
      }
      case 'stream-failure-queue': return this.arn('sqs', this.queueName(token));
    }
    switch (kind) {
      case 'queue': return this.arn('sqs', this.queueName(ref));
      case 'param': return this.arn('ssm', `parameter${this.parameterName(ref)}`);
      case 'function': return this.arn('lambda', `function:${this.functionName(ref)}`);
      case 'function-qualified': return this.arn('lambda', `function:${this.functionName(ref)}:*`);
      case 'function-alias': return this.aliasArn(ref);
      case 'deploy-parameter': return this.deployParameter(ref);
      case 'function-version': return this.versionArn(ref);
    }
    throw new Error(`names.json: unknown resource token ${token} (in ${functionKey})`);
  }

  value(template: string): string {
    return template.replace(/\{([^}]*)\}/g, (_, ref: string) => {
      const [kind, key] = ref.split(':');
      switch (ref) {
        case 'env': return this.env;
        case 'domain': return this.names.domain;
        case 'table': return this.sub(this.names.table.name);
        case 'bus': return this.sub(this.names.bus);
        case 'service': return this.names.service;
      }
      if (kind === 'deploy-parameter') return this.deployParameter(key);
      if (kind === 'param') return this.parameterName(key);
      if (kind === 'function-arn') return this.arn('lambda', `function:${this.functionName(key)}`);
      if (kind === 'function-alias-arn') return this.aliasArn(key);
      if (kind === 'function-version-arn') return this.versionArn(key);
      throw new Error(`names.json: unknown reference {${ref}} in ${template}`);
    });
  }

  grants(functionKey: string): { actions: string[]; resources: string[] }[] {
    return [...this.names.functions[functionKey].permissions, ...this.names.datadog.permissions].map((grant) => {
      const resolved = grant.set ? this.names.permissionSets[grant.set] : grant;
      if (!resolved || !resolved.actions || !resolved.resources) {
        throw new Error(`names.json: bad permission in ${functionKey}: ${JSON.stringify(grant)}`);
      }
      return { actions: resolved.actions, resources: resolved.resources.map((t) => this.resourceArn(t, functionKey)) };
    });
  }
}
