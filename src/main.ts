import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { sendError } from './common/all-exceptions.filter';
import { ApiError } from './common/api-error';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';

function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`config error: ${problem}`);
    process.exit(2);
  }
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
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
        () => process.exit(0),
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
