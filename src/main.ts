import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { sendError } from './common/all-exceptions.filter';
import { ApiError } from './common/api-error';
import { loadApiKeys } from './auth/api-key-store';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { startTracing, Tracing } from './tracing/tracing';

/** The configuration, the API keys file included; a bad one stops the boot with status 2. */
function configOrExit(): AppConfig {
  try {
    const config = loadConfig();
    if (config.role !== 'worker') loadApiKeys(config);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`config error: ${problem}`);
    process.exit(2);
  }
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  // Before the application is built, so that its first request is traced; not at all when off.
  const tracing: Tracing | null = config.tracing ? startTracing(config.tracing, config.role) : null;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  configureApp(app);
  let shuttingDown = false;
  // Once a stop is signalled, new requests are turned away (and readiness fails) at once.
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (!shuttingDown) return next();
    response.setHeader('Connection', 'close');
    sendError(request, response, new ApiError(503, { error: 'The service is shutting down' }, 'refused during shutdown'));
  });
  await app.listen(config.port);
  logger.log(`pyexec listening on :${config.port} (role ${config.role})`, 'Bootstrap');
  // Graceful stop: app.close() runs the shutdown hooks (running jobs get SHUTDOWN_GRACE_SECONDS),
  // then the process exits 0. A second signal exits at once.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: shutting down`, 'Bootstrap');
      shuttingDown = true;
      process.once(signal, () => process.exit(1));
      // Whatever still holds the stop up (a client waiting on a job no worker takes) is cut off.
      setTimeout(() => {
        logger.error('shutdown took too long: exiting', 'Bootstrap');
        process.exit(1);
      }, (config.shutdownGraceSeconds + 30) * 1000).unref();
      app.close().then(
        // The spans of the last jobs are sent before the exit (for at most 5 s).
        () => Promise.race([tracing?.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]).then(() => process.exit(0)),
        (error: Error) => {
          logger.error(`shutdown failed: ${error.message}`, 'Bootstrap');
          process.exit(1);
        },
      );
    });
  }
}

bootstrap().catch((error: Error) => {
  console.error(`boot failed: ${error.message}`);
  process.exit(1);
});
