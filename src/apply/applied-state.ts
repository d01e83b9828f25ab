// What v6wall has applied and kept, as plain data: the guided re-run starts from it.
// Pure: no I/O here (state.ts stores it).
import type { InferOutput } from 'valibot';
import type { Choices } from '../core/types/choices.js';
import type { Plan } from '../core/types/plan.js';
import { parseRuleComment } from '../core/rule-comment.js';
import type { AppliedStateSchema } from './stored-schemas.js';

/** What v6wall applied and kept (state.json's `applied`); see AppliedStateSchema. */
export type AppliedState = InferOutput<typeof AppliedStateSchema>;
export type ExposureRecord = AppliedState['exposures'][number];
export type AppliedStep = AppliedState['appliedSteps'][number];

function argAfter(argv: readonly string[], word: string): string | null {
  const at = argv.indexOf(word);
  return at >= 0 && at + 1 < argv.length ? (argv[at + 1] ?? null) : null;
}

function exposureKey(e: ExposureRecord): string {
  return [e.container, e.port, e.proto].join('\u0000');
}

/** One record per rule the plan holds for a chosen exposure (a route rule per container address). */
function exposuresFromPlan(plan: Plan, choices: Choices): ExposureRecord[] {
  const records: ExposureRecord[] = [];
  for (const choice of choices.exposures) {
    const base = { container: choice.container, port: choice.port, proto: choice.proto, exposure: choice.exposure, hostPort: choice.hostPort ?? null };
    const steps = plan.steps.filter((step) => {
      const tag = parseRuleComment(argAfter(step.argv, 'comment'));
      return tag !== null && tag.kind === choice.exposure && tag.container === choice.container && tag.port === choice.port && tag.proto === choice.proto;
    });
    if (steps.length === 0) {
      records.push({ ...base, containerAddress: null, ruleComment: null });
      continue;
    }
    for (const step of steps) {
      records.push({
        ...base,
        containerAddress: choice.exposure === 'route' ? argAfter(step.argv, 'to') : null,
        ruleComment: argAfter(step.argv, 'comment'),
      });
    }
  }
  return records;
}

/**
 * The state to keep once an apply is confirmed: this run's choices replace earlier records of
 * the same container port; earlier records it does not mention stay.
 */
export function proposeAppliedState(input: {
  previous: AppliedState | null;
  plan: Plan;
  choices: Choices;
  ranStepIndexes: readonly number[];
  transcriptId: string;
  now: Date;
}): AppliedState {
  const fresh = exposuresFromPlan(input.plan, input.choices);
  const freshKeys = new Set(fresh.map(exposureKey));
  const kept = (input.previous?.exposures ?? []).filter((e) => !freshKeys.has(exposureKey(e)));
  const ran: AppliedStep[] = input.ranStepIndexes.flatMap((i) => {
    const step = input.plan.steps[i];
    return step === undefined ? [] : [{ kind: step.kind, why: step.why, argv: step.argv, undoArgv: step.undoArgv, transcriptId: input.transcriptId }];
  });
  return {
    version: 1,
    updatedAt: input.now.toISOString(),
    lastTranscriptId: input.transcriptId,
    sshPorts: [...new Set([...(input.previous?.sshPorts ?? []), ...input.choices.sshPorts])].sort((a, b) => a - b),
    exposures: [...kept, ...fresh],
    appliedSteps: [...(input.previous?.appliedSteps ?? []), ...ran],
  };
}
