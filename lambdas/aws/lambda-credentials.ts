/**
 * Stands in for `@aws-sdk/credential-provider-node` in the functions' bundles only (an esbuild alias set in
 * infra/platform/refresh-function.ts; the tests, the simulation and the scripts run the real one).
 *
 * Every SDK client's runtime configuration imports the default credential chain, and with it the SSO, STS, sign-in,
 * INI, process, web-identity and instance-metadata providers and their nested clients: about 100 KiB of every bundle.
 * In Lambda the chain always ends at its first link: the runtime puts the role's credentials in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and the functions set no AWS_PROFILE. So the bundles get that link
 * alone: the SDK's own `fromEnv`, with the same credentials, the same feature tag and the same error when they are missing.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/** `defaultProvider` of `@aws-sdk/credential-provider-node`, as Lambda resolves it: from the environment. */
export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);
