import { readNsjailLog } from './nsjail-log';

describe('readNsjailLog', () => {
  it('reads an exit status', () => {
    expect(readNsjailLog('[I][t] pid=5 ([STANDALONE MODE]) exited with status: 3, (PIDs left: 0)\n')).toEqual({ kind: 'exited', status: 3 });
  });
  it('reads a fatal signal', () => {
    expect(readNsjailLog('[I][t] pid=5 ([STANDALONE MODE]) terminated with signal: SIGSEGV (11), (PIDs left: 0)')).toEqual({ kind: 'signaled', signal: 11 });
  });
  it("collects nsjail's own errors when the program never ran", () => {
    const log = "[W][t][1] mount('/x'): No such file\n[E][t][1] buildMountTree():328 Failed to mount mandatory point: '/x'\n[E][t][2] standaloneMode():274 Couldn't launch the child process\n";
    expect(readNsjailLog(log)).toEqual({
      kind: 'failed',
      reason: "buildMountTree():328 Failed to mount mandatory point: '/x'; standaloneMode():274 Couldn't launch the child process",
    });
  });
});
