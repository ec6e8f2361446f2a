import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project' | 'sdk-download';
export type ResolvedCli = { source: Exclude<CliSource, 'sdk-download'>; path: string } | { source: 'sdk-download'; path: null };

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Where `npm install` puts the CLI (scripts/install-temporal-cli.mjs, version pinned in package.json). */
export function projectCliPath(projectRoot: string): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { temporal: { cliDir: string } };
  return join(projectRoot, pkg.temporal.cliDir, 'bin', 'temporal');
}

/**
 * Finds the Temporal CLI: an explicit TEMPORAL_CLI_PATH (which must exist), then `temporal` on
 * PATH, then the project-local install, and only then the SDK's own download (needs internet).
 */
export function resolveTemporalCli(options: { env: NodeJS.ProcessEnv; projectRoot: string }): ResolvedCli {
  const { env } = options;
  if (env.TEMPORAL_CLI_PATH) {
    if (!executable(env.TEMPORAL_CLI_PATH)) {
      throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file; fix or unset it`);
    }
    return { source: 'TEMPORAL_CLI_PATH', path: env.TEMPORAL_CLI_PATH };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'temporal');
    if (executable(candidate)) return { source: 'PATH', path: candidate };
  }
  const local = projectCliPath(options.projectRoot);
  if (executable(local)) return { source: 'project', path: local };
  return { source: 'sdk-download', path: null };
}

/** The executable option of TestWorkflowEnvironment.createLocal for a resolved CLI. */
export function sdkExecutable(cli: ResolvedCli): { type: 'existing-path'; path: string } | { type: 'cached-download' } {
  return cli.path ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' };
}
