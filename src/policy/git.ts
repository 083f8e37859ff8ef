// The git commit of a policy directory, for the policy version. git is run without a shell; no git, not a
// repository, or any failure means "no commit" — the content hash still identifies the policy.
import { execFile } from 'node:child_process';

export function gitCommit(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, 'rev-parse', '--verify', '--quiet', 'HEAD'], { timeout: 5000, windowsHide: true }, (error, stdout) => {
      const commit = String(stdout).trim();
      resolve(error === null && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit) ? commit : undefined);
    });
  });
}
