// SST v2: the service of infra/cdk/lib (buildLoyaltyService, the same code as CDK's LoyaltyStack) in one stack per
// stage, `sst build|deploy|remove --stage <ENV>`, named LoyaltyService-<ENV> as names.json and the other flavours.
// SST v2 bundles this file with esbuild and leaves aws-cdk-lib and constructs external: they are resolved from this
// directory's node_modules, where package.json pins the versions sst 2.49.8 itself pins (aws-cdk-lib 2.224.0,
// constructs 10.3.0) so that npm installs one copy of each, never from infra/node_modules (aws-cdk-lib 2.276.0):
// SST's App and Stack and the service's constructs are then of the same library.
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as path from 'path';
import type { SSTConfig } from 'sst';
import { buildLoyaltyService } from '../cdk/lib/loyalty-stack';
import { loadNames } from '../cdk/lib/names';

// SST v2 deploys with no stack parameters (its CloudFormation calls pass `Parameters: []`), so the deploy-time inputs
// are values written into the template at synth time, from these environment variables (as `make sst-deploy` sets
// them; the Serverless flavour does the same with its params).
const INPUTS: Record<string, string> = {
  DdApiKeySecretArn: 'DD_API_KEY_SECRET_ARN',
  DdSite: 'DD_SITE',
  DdVersion: 'DD_VERSION',
  JwtSecret: 'JWT_SECRET',
};

export default {
  config(input) {
    return { name: 'loyalty-service', region: input.region ?? process.env.AWS_REGION ?? 'us-east-1' };
  },
  stacks(app) {
    const env = app.stage;
    if (!/^[a-z0-9-]{1,16}$/.test(env)) {
      throw new Error(`the stage is the environment and must match ^[a-z0-9-]{1,16}$ (got ${JSON.stringify(env)})`);
    }
    // SST runs stacks() in this file's directory.
    const names = loadNames(path.resolve('..', 'names.json'));
    // Where `make package` wrote <binary>/bootstrap.zip: LAMBDA_PACKAGE_DIR, else the workspace's target/lambda.
    const assetsDir = path.resolve(process.env.LAMBDA_PACKAGE_DIR ?? path.join('..', '..', 'target', 'lambda'));
    // `sst remove` synthesizes the app too, but only deletes the stack by its name: there the inputs' values and the
    // packages do not matter (the code is a reference to nothing, no asset).
    const removing = app.mode === 'remove';
    const deployInput = (name: string): string => {
      const variable = INPUTS[name];
      const value = process.env[variable]?.trim();
      if (value) return value;
      if (removing) return `unused-${name}`;
      throw new Error(`${variable} is required to synthesize stage ${env} (deploy input ${name}, see infra/README.md)`);
    };
    app.stack(
      function Service({ stack }) {
        // SST v2 gives every stack a Node.js custom-resource handler function for its own constructs (Auth, Script,
        // sourcemaps); this app uses none of them, and names.json lists every function the stack may hold.
        stack.node.tryRemoveChild('CustomResourceHandler');
        const unused = removing ? s3.Bucket.fromBucketName(stack, 'UnusedCode', 'unused') : undefined;
        const code = unused ? () => lambda.Code.fromBucket(unused, 'unused.zip') : undefined;
        buildLoyaltyService(stack, { names, env_: env, assetsDir, deployInput, code });
      },
      { stackName: `${names.service}-${env}` },
    );
  },
} satisfies SSTConfig;
