import { InjectQueue } from '@nestjs/bull';

/** The Bull queue of executions; only this folder touches Bull. */
export const EXECUTION_QUEUE = 'python-execution';

export const InjectExecutionQueue = (): ParameterDecorator => InjectQueue(EXECUTION_QUEUE);
