// Renders ../names.json into Serverless Framework v3 `functions` and `resources` (CloudFormation) for one stage.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const names = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'names.json'), 'utf8'));
const pascal = (key) => key.split('-').map((p) => p[0].toUpperCase() + p.slice(1)).join('');
const camel = (key) => { const p = pascal(key); return p[0].toLowerCase() + p.slice(1); };
const sub = (text) => (typeof text === 'string' && text.includes('${') ? { 'Fn::Sub': text } : text);
const queueLogical = (key) => (key === 'stream-failure-queue' ? 'StreamFailureQueue' : `${pascal(key)}Queue`);
const arn = (service, resource) => `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;

// Published functions (names.json `publish`): Serverless's own versions are off (versionFunctions: false), so each
// gets one AWS::Lambda::Version whose logical id hashes its artifact and its configuration: a deployment that changes
// either publishes a new version, and the alias moves to it.
function versionLogical(key, env, artifactsDir) {
  const fn = names.functions[key];
  if (!fn || !fn.publish) throw new Error(`names.json: ${key} is not published with an alias (no 'publish')`);
  const hash = crypto.createHash('sha256');
  hash.update(fs.readFileSync(path.join(artifactsDir, fn.binary, 'bootstrap.zip')));
  hash.update(JSON.stringify({ env, lambda: names.lambda, fn }));
  return `${pascal(key)}Version${hash.digest('hex').slice(0, 16)}`;
}

// Deploy-time inputs ({deploy-parameter:X} in names.json) are Serverless params: --param="<x>=..." (X with a lower-case
// first letter), resolved before rendering.
const deployParameterNames = [...new Set([...JSON.stringify(names).matchAll(/\{deploy-parameter:([A-Za-z]+)\}/g)]
  .map((m) => m[1]))];
async function deployParametersOf(resolveVariable) {
  const out = {};
  for (const name of deployParameterNames) {
    out[name] = await resolveVariable(`param:${name[0].toLowerCase()}${name.slice(1)}, null`);
  }
  return out;
}

function renderer(env, artifactsDir, deployParameters = {}) {
  // An integrated environment (names.json `integrated`) reads the shared secret and gets the rules on the shared bus.
  const integrated = names.integrated.environments.includes(env);
  const r = {
    integrated,
    env: (t) => t.split('{env}').join(env),
    functionName(key) {
      if (!names.functions[key]) throw new Error(`names.json: unknown function ${key}`);
      return r.env(names.functions[key].name);
    },
    queueName(key) {
      if (key === 'stream-failure-queue') return r.env(names.streamFailureQueue.name);
      if (!names.queues[key]) throw new Error(`names.json: unknown queue ${key}`);
      return r.env(names.queues[key].name);
    },
    parameterName(key) {
      const all = { ...names.parameters, ...names.writtenParameters };
      if (!(key in all)) throw new Error(`names.json: unknown parameter ${key}`);
      const shared = names.integrated.parameters;
      return r.env(integrated && key in shared ? shared[key] : all[key]);
    },
    resourceArn(token, fnKey) {
      const table = r.env(names.table.name);
      const [kind, ref] = token.split(':');
      if (token === 'table') return arn('dynamodb', `table/${table}`);
      if (token === 'stream') return arn('dynamodb', `table/${table}/stream/*`);
      if (token === 'bus') return arn('events', `event-bus/${r.env(names.bus)}`);
      if (token === 'trigger-queue') return arn('sqs', r.queueName(names.functions[fnKey].trigger.queue));
      if (token === 'stream-failure-queue') return arn('sqs', r.queueName(token));
      if (kind === 'queue') return arn('sqs', r.queueName(ref));
      if (kind === 'param') return arn('ssm', `parameter${r.parameterName(ref)}`);
      if (kind === 'function') return arn('lambda', `function:${r.functionName(ref)}`);
      if (kind === 'function-qualified') return arn('lambda', `function:${r.functionName(ref)}:*`);
      if (kind === 'function-alias') return r.aliasArn(ref);
      if (kind === 'deploy-parameter') return r.deployParameter(ref);
      if (kind === 'function-version') return { Ref: versionLogical(ref, env, artifactsDir) };
      throw new Error(`names.json: unknown resource token ${token} (in ${fnKey})`);
    },
    deployParameter(name) {
      const value = deployParameters[name];
      if (!value) throw new Error(`pass --param="${name[0].toLowerCase()}${name.slice(1)}=..."`);
      return value;
    },
    layer: () => names.datadog.layer.split('{partition}').join('${AWS::Partition}').split('{region}').join('${AWS::Region}'),
    environment(key) {
      const out = {};
      const both = { ...names.datadog.environment, ...names.functions[key].environment };
      for (const [k, v] of Object.entries(both)) out[k] = sub(r.value(v));
      return out;
    },
    grants(key) {
      return [...names.functions[key].permissions, ...names.datadog.permissions]
        .map((grant) => (grant.set ? names.permissionSets[grant.set] : grant));
    },
    aliasArn(key) {
      const fn = names.functions[key];
      if (!fn || !fn.publish) throw new Error(`names.json: ${key} is not published with an alias (no 'publish')`);
      return arn('lambda', `function:${r.functionName(key)}:${fn.publish.alias}`);
    },
    value(template) {
      const whole = /^\{function-version-arn:([^}]*)\}$/.exec(template);
      if (whole) return { Ref: versionLogical(whole[1], env, artifactsDir) };
      return template.replace(/\{([^}]*)\}/g, (_, ref) => {
        const [kind, key] = ref.split(':');
        const simple = {
          env, domain: names.domain, table: r.env(names.table.name), bus: r.env(names.bus), service: names.service,
        };
        if (kind === 'deploy-parameter') return r.deployParameter(key);
        if (ref in simple) return simple[ref];
        if (kind === 'param') return r.parameterName(key);
        if (kind === 'function-arn') return arn('lambda', `function:${r.functionName(key)}`);
        if (kind === 'function-alias-arn') return r.aliasArn(key);
        throw new Error(`names.json: unknown reference {${ref}} in ${template}`);
      });
    },
  };
  return r;
}

function eventsOf(trigger) {
  if (trigger.type === 'http') {
    const c = names.api.cors;
    const cors = { origin: c.allowOrigin, headers: c.allowHeaders.split(','), methods: c.allowMethods.split(',') };
    return [{ http: { method: trigger.method.toLowerCase(), path: trigger.path.replace(/^\//, ''), cors } }];
  }
  if (trigger.type === 'sqs') {
    const sqs = { arn: { 'Fn::GetAtt': [queueLogical(trigger.queue), 'Arn'] }, batchSize: trigger.batchSize };
    if (trigger.reportBatchItemFailures) sqs.functionResponseType = 'ReportBatchItemFailures';
    return [{ sqs }];
  }
  if (trigger.type === 'stream') {
    const stream = {
      type: 'dynamodb',
      arn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
      batchSize: trigger.batchSize,
      startingPosition: trigger.startingPosition,
      bisectBatchOnFunctionError: trigger.bisectBatchOnFunctionError,
      maximumRetryAttempts: trigger.maximumRetryAttempts,
      filterPatterns: [trigger.filter],
      destinations: { onFailure: { arn: { 'Fn::GetAtt': [queueLogical(trigger.onFailure), 'Arn'] }, type: 'sqs' } },
    };
    if (trigger.reportBatchItemFailures) stream.functionResponseType = 'ReportBatchItemFailures';
    return [{ stream }];
  }
  return [];
}

async function stageOf(resolveVariable) {
  const stage = String(await resolveVariable('sls:stage'));
  if (!/^[a-z0-9-]{1,16}$/.test(stage)) throw new Error(`stage must match ^[a-z0-9-]{1,16}$ (got ${stage})`);
  return stage;
}

// Where `make package` wrote <binary>/bootstrap.zip: the artifactsDir param, else LAMBDA_PACKAGE_DIR, else target/lambda.
async function artifactsDirOf(resolveVariable) {
  const params = await resolveVariable('param:artifactsDir, null');
  return params || process.env.LAMBDA_PACKAGE_DIR || path.join(__dirname, '..', '..', 'target', 'lambda');
}

module.exports.functions = async ({ resolveVariable }) => {
  const artifactsDir = await artifactsDirOf(resolveVariable);
  const r = renderer(await stageOf(resolveVariable), artifactsDir, await deployParametersOf(resolveVariable));
  const lam = names.lambda;
  const out = {};
  for (const [key, fn] of Object.entries(names.functions)) {
    const environment = {};
    Object.assign(environment, r.environment(key));
    out[camel(key)] = {
      name: r.functionName(key),
      handler: lam.handler,
      runtime: lam.runtime,
      architecture: lam.architecture,
      memorySize: lam.memorySize,
      timeout: lam.timeout,
      role: `${pascal(key)}Role`,
      environment,
      package: { artifact: path.join(artifactsDir, fn.binary, 'bootstrap.zip') },
      layers: [sub(r.layer())],
      events: eventsOf(fn.trigger),
    };
  }
  return out;
};

module.exports.resources = async ({ resolveVariable }) => {
  const env = await stageOf(resolveVariable);
  const artifactsDir = await artifactsDirOf(resolveVariable);
  const r = renderer(env, artifactsDir, await deployParametersOf(resolveVariable));
  const qd = names.queueDefaults;
  const res = {
    EventBus: { Type: 'AWS::Events::EventBus', Properties: { Name: r.env(names.bus) } },
    Table: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: r.env(names.table.name),
        BillingMode: names.table.billingMode,
        AttributeDefinitions: [{ AttributeName: names.table.hashKey, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: names.table.hashKey, KeyType: 'HASH' }],
        StreamSpecification: { StreamViewType: names.table.streamViewType },
        TimeToLiveSpecification: { AttributeName: names.table.ttlAttribute, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: names.table.pointInTimeRecovery },
      },
    },
  };
  const dlqProps = {
    VisibilityTimeout: qd.visibilityTimeout, MessageRetentionPeriod: qd.dlqMessageRetentionPeriod,
    SqsManagedSseEnabled: qd.sqsManagedSse,
  };
  for (const [key, q] of Object.entries(names.queues)) {
    res[`${pascal(key)}DLQ`] = { Type: 'AWS::SQS::Queue', Properties: { QueueName: r.env(q.dlq), ...dlqProps } };
    res[queueLogical(key)] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: r.env(q.name),
        VisibilityTimeout: qd.visibilityTimeout,
        MessageRetentionPeriod: qd.messageRetentionPeriod,
        SqsManagedSseEnabled: qd.sqsManagedSse,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [`${pascal(key)}DLQ`, 'Arn'] },
          maxReceiveCount: qd.maxReceiveCount },
      },
    };
  }
  res.StreamFailureQueue = {
    Type: 'AWS::SQS::Queue', Properties: { QueueName: r.queueName('stream-failure-queue'), ...dlqProps },
  };
  for (const [key, rule] of Object.entries(names.rules)) {
    const logical = `${pascal(key)}Rule`;
    const pattern = {};
    for (const [k, vs] of Object.entries(rule.pattern)) pattern[k] = vs.map((v) => r.env(v));
    const ruleProps = (bus) => ({
      Name: rule.name, EventBusName: bus, State: 'ENABLED', EventPattern: pattern,
      Targets: [{ Id: 'queue', Arn: { 'Fn::GetAtt': [queueLogical(rule.queue), 'Arn'] } }],
    });
    res[logical] = { Type: 'AWS::Events::Rule', Properties: ruleProps({ Ref: 'EventBus' }) };
    const sources = [{ 'Fn::GetAtt': [logical, 'Arn'] }];
    if (r.integrated) {
      // The same rule on the shared bus, whose name is read from SSM at deploy time (a dynamic reference).
      res[`Shared${logical}`] = {
        Type: 'AWS::Events::Rule',
        Properties: ruleProps(`{{resolve:ssm:${r.env(names.integrated.sharedBusParameter)}}}`),
      };
      sources.push({ 'Fn::GetAtt': [`Shared${logical}`, 'Arn'] });
    }
    res[`${pascal(key)}QueuePolicy`] = {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: queueLogical(rule.queue) }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{
            Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queueLogical(rule.queue), 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': sources } },
          }],
        },
      },
    };
  }
  const extensions = {};
  for (const [key, fn] of Object.entries(names.functions)) {
    const statements = r.grants(key).map((g) => {
      return { Effect: 'Allow', Action: g.actions, Resource: g.resources.map((t) => sub(r.resourceArn(t, key))) };
    });
    res[`${pascal(key)}Role`] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        ManagedPolicyArns: [sub(`arn:\${AWS::Partition}:iam::aws:policy/${names.lambda.managedPolicy}`)],
        Policies: [{ PolicyName: 'permissions', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
      },
    };
    if (fn.publish) {
      const version = versionLogical(key, env, artifactsDir);
      res[version] = {
        Type: 'AWS::Lambda::Version',
        DeletionPolicy: 'Retain',
        Properties: { FunctionName: { Ref: `${pascal(key)}LambdaFunction` } },
      };
      res[`${pascal(key)}Alias`] = {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: `${pascal(key)}LambdaFunction` },
          FunctionVersion: { 'Fn::GetAtt': [version, 'Version'] },
          Name: fn.publish.alias,
        },
      };
    }
    if (fn.durable) {
      // Serverless v3 has no durable setting: the property is added to the function it generates.
      extensions[`${pascal(key)}LambdaFunction`] = {
        Properties: { DurableConfig: { ExecutionTimeout: fn.durable.executionTimeout,
          RetentionPeriodInDays: fn.durable.retentionPeriodInDays } },
      };
    }
  }
  // The SSM contract (behaviour keep-config): plain Strings; the URL has no trailing slash. Outside the integrated
  // environments the bus and the JWT secret too, the secret from the deploy parameter `--param="jwtSecret=..."`.
  const written = {
    apiEndpoint: () => sub(`https://\${ApiGatewayRestApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${env}`),
    tableName: () => ({ Ref: 'Table' }),
    eventBusName: () => ({ Ref: 'EventBus' }),
    eventBusArn: () => ({ 'Fn::GetAtt': ['EventBus', 'Arn'] }),
    jwtSecret: async () => {
      const secret = await resolveVariable('param:jwtSecret, null');
      if (!secret) throw new Error(`stage ${env} writes the JWT secret: pass --param="jwtSecret=<secret>"`);
      return secret;
    },
  };
  for (const key of Object.keys(names.writtenParameters)) {
    if (r.integrated && names.integrated.notWritten.includes(key)) continue;
    res[`${pascal(key)}Parameter`] = {
      Type: 'AWS::SSM::Parameter',
      Properties: { Name: r.env(names.writtenParameters[key]), Type: 'String', Value: await written[key]() },
    };
  }
  return { Resources: res, extensions, Outputs: { ApiEndpoint: { Value: written.apiEndpoint() } } };
};
