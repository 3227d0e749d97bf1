import { Module } from '@nestjs/common';
import { ConfigModule } from './config/config.module';
import { ExecutionModule } from './execution/execution.module';
import { JobsModule } from './jobs/jobs.module';

@Module({
  imports: [ConfigModule, ExecutionModule, JobsModule],
})
export class AppModule {}
