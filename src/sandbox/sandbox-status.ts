/** What the sandbox enforces on this host, for the boot log and readiness. */
export interface SandboxStatus {
  cgroups: 'v1' | 'v2' | 'none';
  /** Limit name → how it is enforced. */
  enforced: Record<string, string>;
  /** Limits this host cannot enforce, with the reason. */
  notEnforced: Record<string, string>;
}

export const SANDBOX_STATUS = Symbol('SANDBOX_STATUS');
