import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { QueueModule } from '../queue/queue.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { HealthController } from './health.controller';

@Module({})
export class HealthModule {
  /** Processes that run jobs also report the sandbox and the limits it enforces. */
  static forRoot(runsJobs: boolean): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), QueueModule, ...(runsJobs ? [SandboxModule] : [])],
      controllers: [HealthController],
    };
  }
}
