import { Module } from '@nestjs/common';
import { ConfigModule } from './config/config.module';
import { ExecutionModule } from './execution/execution.module';

@Module({
  imports: [ConfigModule, ExecutionModule],
})
export class AppModule {}
