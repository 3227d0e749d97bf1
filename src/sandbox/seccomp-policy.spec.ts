import { ALLOWED_SYSCALL_COUNT, libseccompRules, SECCOMP_POLICY, SECCOMP_RULES, ZYGOTE_POLICY } from './seccomp-policy';

describe('seccomp policy', () => {
  it('is an allowlist: every call not named answers ENOSYS, in kafel and in libseccomp alike', () => {
    expect(SECCOMP_POLICY).toMatch(/USE pyexec DEFAULT ERRNO\(38\)$/);
    expect(libseccompRules().default_errno).toBe(38);
    expect(ALLOWED_SYSCALL_COUNT).toBeGreaterThan(200);
  });

  it('never names a call twice without conditions that tell the rules apart', () => {
    const unconditional = SECCOMP_RULES.filter((rule) => !rule.when).flatMap((rule) => rule.syscalls);
    const conditional = SECCOMP_RULES.filter((rule) => rule.when).flatMap((rule) => rule.syscalls);
    expect(new Set(unconditional).size).toBe(unconditional.length);
    expect(conditional.filter((name) => unconditional.includes(name))).toEqual([]);
  });

  it('leaves out what only escapes or host-wide counters need', () => {
    const allowed = SECCOMP_RULES.filter((rule) => rule.action === 'allow').flatMap((rule) => rule.syscalls);
    for (const name of ['modify_ldt', 'personality', 'clone3', 'io_setup', 'fanotify_init', 'syslog', 'name_to_handle_at', 'ptrace', 'mount', 'unshare']) {
      expect(allowed).not.toContain(name);
    }
  });

  it("lets the fork server's zygote build namespaces and mounts, whole, and nothing else more", () => {
    expect(ZYGOTE_POLICY).toContain(', clone, unshare, mount }');
    // Conditions ({ ... }) removed first, so that a rule's own braces do not end the match early.
    expect(ZYGOTE_POLICY.replace(/\([^)]*\) \{[^}]*\}/g, '')).not.toMatch(/KILL_PROCESS \{[^}]*\b(unshare|mount)\b/);
    expect(ZYGOTE_POLICY).toMatch(/KILL_PROCESS \{ ptrace/);
  });

  it('lets the zygote enter a pid namespace with setns, and no other kind; runs never', () => {
    expect(ZYGOTE_POLICY).toMatch(/ALLOW \{[^}]*setns\(fd, nstype\) \{ nstype == 536870912 \}/);
    expect(ZYGOTE_POLICY).toMatch(/KILL_PROCESS \{[^}]*setns\(fd, nstype\) \{ nstype != 536870912 \}/);
    expect(SECCOMP_POLICY).toMatch(/KILL_PROCESS \{[^}]*\bsetns\b(?!\()/);
    const runRules = libseccompRules().rules.filter((rule) => rule.syscalls.includes('setns'));
    expect(runRules).toEqual([{ action: 'kill', syscalls: ['setns'] }]);
  });
});
