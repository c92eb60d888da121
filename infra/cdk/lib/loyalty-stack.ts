// The loyalty service on AWS, every name and setting taken from infra/names.json (behaviour F15).
import { Aws, CfnOutput, CfnParameter, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import * as path from 'path';
import { Names, Rendered } from './names';

export interface LoyaltyServiceProps {
  readonly names: Names;
  readonly env_: string;
  /** The directory holding `<binary>/bootstrap.zip` for each function (`make package`, cargo lambda). */
  readonly assetsDir: string;
  /**
   * The value of a deploy-time input (DdApiKeySecretArn, DdSite, DdVersion, JwtSecret), for a deployer that passes
   * no stack parameters (SST v2); by default each is a template parameter.
   */
  readonly deployInput?: (name: string) => string;
  /** A function's code; by default the asset `<assetsDir>/<binary>/bootstrap.zip`. */
  readonly code?: (binary: string) => lambda.Code;
}

export interface LoyaltyStackProps extends StackProps, LoyaltyServiceProps {}

const pascal = (key: string) => key.split('-').map((p) => p[0].toUpperCase() + p.slice(1)).join('');

export class LoyaltyStack extends Stack {
  constructor(scope: Construct, id: string, props: LoyaltyStackProps) {
    super(scope, id, props);
    buildLoyaltyService(this, props);
  }
}

/**
 * Builds the service into `stack`: CDK's `LoyaltyStack` and the SST v2 app (`infra/sst/sst.config.ts`) both use it.
 * It uses only what aws-cdk-lib 2.224.0 (the one sst 2.49.8 pins) and the newer one of `infra/package.json` have in
 * common; the durable configuration, which 2.224.0 does not know, is written as a property of the CloudFormation
 * resource.
 */
export function buildLoyaltyService(stack: Stack, props: LoyaltyServiceProps): void {
  const { names } = props;
  const r = new Rendered(names, props.env_);
  const deployParameters: Record<string, CfnParameter> = {};
  r.deployParameter = props.deployInput ?? ((name) => {
    deployParameters[name] ??= new CfnParameter(stack, name, { type: 'String', minLength: 1 });
    return deployParameters[name].valueAsString;
  });
  const qd = names.queueDefaults;
  // A change of the durable configuration publishes a new version (aws-cdk-lib 2.224.0 does not classify it).
  lambda.Function.classifyVersionProperty('DurableConfig', true);

  const bus = new events.EventBus(stack, 'EventBus', { eventBusName: r.sub(names.bus) });
  const table = new dynamodb.Table(stack, 'Table', {
    tableName: r.sub(names.table.name),
    partitionKey: { name: names.table.hashKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream: dynamodb.StreamViewType[names.table.streamViewType as keyof typeof dynamodb.StreamViewType],
    timeToLiveAttribute: names.table.ttlAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: names.table.pointInTimeRecovery },
  });
  const encryption = qd.sqsManagedSse ? sqs.QueueEncryption.SQS_MANAGED : sqs.QueueEncryption.UNENCRYPTED;

  const queues: Record<string, sqs.Queue> = {};
  for (const [key, q] of Object.entries(names.queues)) {
    const dlq = new sqs.Queue(stack, `${pascal(key)}DLQ`, {
      queueName: r.sub(q.dlq),
      visibilityTimeout: Duration.seconds(qd.visibilityTimeout),
      encryption,
      retentionPeriod: Duration.seconds(qd.dlqMessageRetentionPeriod),
    });
    queues[key] = new sqs.Queue(stack, `${pascal(key)}Queue`, {
      queueName: r.sub(q.name),
      visibilityTimeout: Duration.seconds(qd.visibilityTimeout),
      encryption,
      retentionPeriod: Duration.seconds(qd.messageRetentionPeriod),
      deadLetterQueue: { queue: dlq, maxReceiveCount: qd.maxReceiveCount },
    });
  }
  queues['stream-failure-queue'] = new sqs.Queue(stack, 'StreamFailureQueue', {
    queueName: r.queueName('stream-failure-queue'),
    visibilityTimeout: Duration.seconds(qd.visibilityTimeout),
    encryption,
    retentionPeriod: Duration.seconds(qd.dlqMessageRetentionPeriod),
  });

  // In an integrated environment every rule also exists on the shared bus, whose name is read from SSM at deploy
  // time (an SSM-typed stack parameter).
  const sharedBus = r.integrated ? events.EventBus.fromEventBusName(stack, 'SharedBus',
    ssm.StringParameter.valueForStringParameter(stack, r.sub(names.integrated.sharedBusParameter))) : undefined;
  for (const [key, rule] of Object.entries(names.rules)) {
    const pattern: events.EventPattern = {
      source: rule.pattern['source'].map((v) => r.sub(v)),
      detailType: rule.pattern['detail-type'].map((v) => r.sub(v)),
    };
    new events.Rule(stack, `${pascal(key)}Rule`, {
      ruleName: rule.name,
      eventBus: bus,
      eventPattern: pattern,
      targets: [new targets.SqsQueue(queues[rule.queue])],
    });
    if (sharedBus) {
      new events.Rule(stack, `Shared${pascal(key)}Rule`, {
        ruleName: rule.name,
        eventBus: sharedBus,
        eventPattern: pattern,
        targets: [new targets.SqsQueue(queues[rule.queue])],
      });
    }
  }

  const api = new apigateway.RestApi(stack, 'Api', {
    restApiName: `${names.service}-API-${props.env_}`,
    deployOptions: { stageName: 'prod' },
  });
  // CORS preflight on the routes' paths only (a default on the API would answer OPTIONS on / as well).
  const corsPaths = new Set<string>();

  for (const [key, fn] of Object.entries(names.functions)) {
    const role = new iam.Role(stack, `${pascal(key)}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(names.lambda.managedPolicy)],
    });
    for (const grant of r.grants(key)) {
      role.addToPolicy(new iam.PolicyStatement({ actions: grant.actions, resources: grant.resources }));
    }
    const environment = r.environment(key);
    const func = new lambda.Function(stack, `${pascal(key)}Function`, {
      functionName: r.functionName(key),
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: names.lambda.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      handler: names.lambda.handler,
      code: props.code?.(fn.binary) ?? lambda.Code.fromAsset(path.join(props.assetsDir, fn.binary, 'bootstrap.zip')),
      memorySize: names.lambda.memorySize,
      timeout: Duration.seconds(names.lambda.timeout),
      role,
      environment,
      layers: [lambda.LayerVersion.fromLayerVersionArn(stack, `${pascal(key)}DatadogExtension`, r.layer())],
    });
    if (fn.durable) {
      (func.node.defaultChild as lambda.CfnFunction).addPropertyOverride('DurableConfig', {
        ExecutionTimeout: fn.durable.executionTimeout,
        RetentionPeriodInDays: fn.durable.retentionPeriodInDays,
      });
    }
    if (fn.publish) {
      // A version whenever the function changes (currentVersion's logical id hashes its configuration and code),
      // and the alias on it.
      r.versionArns[key] = func.currentVersion.functionArn;
      new lambda.Alias(stack, `${pascal(key)}Alias`, { aliasName: fn.publish.alias, version: func.currentVersion });
    }
    const t = fn.trigger;
    if (t.type === 'http') {
      const resource = api.root.resourceForPath(t.path ?? '/');
      if (!corsPaths.has(resource.path)) {
        corsPaths.add(resource.path);
        resource.addCorsPreflight({
          allowOrigins: [names.api.cors.allowOrigin],
          allowHeaders: names.api.cors.allowHeaders.split(','),
          allowMethods: names.api.cors.allowMethods.split(','),
        });
      }
      resource.addMethod(t.method ?? 'GET', new apigateway.LambdaIntegration(func));
    } else if (t.type === 'sqs') {
      new lambda.EventSourceMapping(stack, `${pascal(key)}QueueMapping`, {
        target: func,
        eventSourceArn: queues[t.queue ?? ''].queueArn,
        batchSize: t.batchSize,
        reportBatchItemFailures: t.reportBatchItemFailures,
      });
    } else if (t.type === 'stream') {
      // The failure destination's permission is in names.json (sqs:SendMessage), so it is bound by ARN here
      // rather than with SqsDlq, which would add a wider grant of its own.
      const failure = queues[t.onFailure ?? ''];
      new lambda.EventSourceMapping(stack, `${pascal(key)}StreamMapping`, {
        target: func,
        eventSourceArn: table.tableStreamArn,
        batchSize: t.batchSize,
        startingPosition: lambda.StartingPosition[t.startingPosition as keyof typeof lambda.StartingPosition],
        bisectBatchOnError: t.bisectBatchOnFunctionError,
        retryAttempts: t.maximumRetryAttempts,
        reportBatchItemFailures: t.reportBatchItemFailures,
        filters: [{ pattern: JSON.stringify(t.filter) }],
        onFailure: { bind: () => ({ destination: failure.queueArn }) },
      });
    }
  }

  const apiEndpoint = Fn.join('', ['https://', api.restApiId, '.execute-api.', Aws.REGION, '.', Aws.URL_SUFFIX,
    '/', api.deploymentStage.stageName]);
  // The SSM contract (behaviour keep-config): plain Strings; the URL has no trailing slash. Outside the integrated
  // environments the bus and the JWT secret too, the secret from the deploy parameter JwtSecret
  // (cdk deploy --parameters JwtSecret=...).
  const written: Record<string, () => string> = {
    apiEndpoint: () => apiEndpoint,
    tableName: () => table.tableName,
    eventBusName: () => bus.eventBusName,
    eventBusArn: () => bus.eventBusArn,
    jwtSecret: () => props.deployInput?.('JwtSecret') ?? new CfnParameter(stack, 'JwtSecret', {
      type: 'String', noEcho: true, minLength: 1,
      description: `The JWT secret written to ${r.parameterName('jwtSecret')}`,
    }).valueAsString,
  };
  for (const key of Object.keys(names.writtenParameters)) {
    if (r.integrated && names.integrated.notWritten.includes(key)) continue;
    new ssm.StringParameter(stack, `${pascal(key)}Parameter`, {
      parameterName: r.sub(names.writtenParameters[key]), stringValue: written[key](),
    });
  }
  new CfnOutput(stack, 'ApiEndpoint', { value: apiEndpoint });
}
