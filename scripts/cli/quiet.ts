// Imported first by every command: when the handlers run in the simulation their JSON logs stay quiet
// and the command prints for people. An operator's own settings win.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
