/**
 * The functions' configuration as a deployment gives it to them: the file `cdk synth` bundles next to index.js
 * (written here by the same function the CDK app uses, so validated by the same schema) and the resource names in
 * the environment. The simulation's functions then read it through the loader the Lambda functions use.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigSource, CopyResources, CopyRuntimeConfig, RuntimeConfig } from '../../lambdas/kernel/config';
import {
  CONFIG_FILE_ENV,
  COPY_CONFIG_FILE,
  COPY_CONFIG_FILE_ENV,
  COPY_RESOURCES_ENV,
  RESOURCES_ENV,
  RUNTIME_CONFIG_FILE,
  copyConfigFileText,
  runtimeConfigFileText,
  splitRuntimeConfig,
} from '../../lambdas/kernel/config';

/** Writes a replica-region function's configuration file into `dir`; returns where its loader finds file and resources. */
export function stageRuntimeConfig(config: RuntimeConfig, dir: string): ConfigSource {
  const { file, resources } = splitRuntimeConfig(config);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, RUNTIME_CONFIG_FILE);
  writeFileSync(path, runtimeConfigFileText(file));
  return { dir, env: { [CONFIG_FILE_ENV]: path, [RESOURCES_ENV]: JSON.stringify(resources) } };
}

/**
 * Writes the copy function's configuration file into `dir`, its pairs as configured; the key of the pairs without
 * one of their own travels as their replica region's project key, as the source stack passes it.
 */
export function stageCopyConfig(config: Omit<CopyRuntimeConfig, 'pairs'> & { pairs: CopyRuntimeConfig['pairs'] }, projectKeys: CopyResources['projectKeys'], dir: string): ConfigSource {
  const { deferQueueUrl, notificationTopicArn, ...file } = config;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, COPY_CONFIG_FILE);
  writeFileSync(path, copyConfigFileText(file));
  return { dir, env: { [COPY_CONFIG_FILE_ENV]: path, [COPY_RESOURCES_ENV]: JSON.stringify({ deferQueueUrl, notificationTopicArn, projectKeys }) } };
}
