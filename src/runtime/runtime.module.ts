import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RuntimeController } from './runtime.controller';
import { RuntimeService } from './runtime.service';

/** GET /v1/runtime: the Python, packages, limits and file rules runs get here. */
@Module({
  imports: [AuthModule],
  controllers: [RuntimeController],
  providers: [RuntimeService],
})
export class RuntimeModule {}
