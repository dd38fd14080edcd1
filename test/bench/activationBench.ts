/**
 * The extension's activation time in a real VS Code (code-server): each run opens a
 * fresh window whose extension host loads the extension from this repository (its
 * esbuild bundle, as shipped) and measures Extension.activate() from cold
 * (test/ext/suite/activation.ts). Runs are
 * sequential, each a new code-server; medians are printed, nothing is asserted.
 * Without the e2e tooling (test/setup/install-e2e.sh) it says so instead of a figure.
 * Alone: `node out/test/bench/activationBench.js`.
 */
import { requireE2eTooling, SetupError } from '../e2e/codeServer';
import { runExtensionHostSuite } from '../e2e/extensionHostRunner';

const RUNS = Math.max(1, Number(process.env.CKPT_BENCH_ACTIVATION_RUNS ?? 3));

export type ActivationFigures =
  | { runs: number; note: string; medianMs: Record<string, number>; samplesMs: Record<string, number[]> }
  | { skipped: string };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : Math.round(((s[s.length / 2 - 1] + s[s.length / 2]) / 2) * 10) / 10;
}

export async function activationBench(log: (line: string) => void = () => undefined): Promise<ActivationFigures> {
  try {
    requireE2eTooling();
  } catch (e) {
    if (e instanceof SetupError) return { skipped: e.message };
    throw e;
  }
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < RUNS; i++) {
    const outcome = await runExtensionHostSuite('out/test/ext/suite/activation.js', 'bench-activation');
    const result = outcome.results[0];
    if (outcome.exitCode !== 0 || !result?.ok || !result.figures) {
      throw new Error(`the activation measure failed: ${result?.error ?? outcome.log.join('\n')}`);
    }
    for (const [k, v] of Object.entries(result.figures)) (samples[k] ??= []).push(v);
    log(`activation run ${i + 1}/${RUNS}: ${JSON.stringify(result.figures)}`);
  }
  return {
    runs: RUNS,
    note: 'in code-server\'s extension host, from cold: Extension.activate() (loading the bundle and running activate)',
    medianMs: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])),
    samplesMs: samples,
  };
}

if (require.main === module) {
  activationBench((l) => process.stderr.write(`${l}\n`)).then(
    (figures) => process.stdout.write(JSON.stringify({ activation: figures }, null, 2) + '\n'),
    (e: unknown) => {
      process.stderr.write(`activation bench: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
