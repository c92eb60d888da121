#!/usr/bin/env node
// cdk synth -c env=<ENV>[,<ENV>...] [-c assetsDir=<dir with <binary>/bootstrap.zip>]: one stack per environment named
import { App } from 'aws-cdk-lib';
import * as path from 'path';
import { LoyaltyStack } from '../lib/loyalty-stack';
import { loadNames } from '../lib/names';

const app = new App();
const envs = String(app.node.tryGetContext('env') ?? 'dev').split(',');
for (const env of envs) {
  if (!/^[a-z0-9-]{1,16}$/.test(env)) {
    throw new Error(`env must match ^[a-z0-9-]{1,16}$ (got ${JSON.stringify(env)})`);
  }
}
const names = loadNames();
// Where `make package` wrote <binary>/bootstrap.zip: the assetsDir context, else LAMBDA_PACKAGE_DIR, else target/lambda.
const assetsDir = path.resolve(String(app.node.tryGetContext('assetsDir') ?? process.env.LAMBDA_PACKAGE_DIR ??
  path.join(__dirname, '..', '..', '..', '..', '..', 'target', 'lambda')));
for (const env of envs) {
  new LoyaltyStack(app, `${names.service}-${env}`, { names, env_: env, assetsDir });
}
