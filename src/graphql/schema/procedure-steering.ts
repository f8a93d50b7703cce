import * as z from 'zod';
import { IdSchema } from '../../domain/common/fields.js';
import { builder } from '../builder.js';
import { ProcedureTaskSessionRef, procedureHub } from './procedure.js';

/**
 * Steering a running session: cancel, pause, redrive (resume lives beside
 * execute). The caller's user is recorded as who did it, with the reason.
 */
const SteerArgs = z.object({
  sessionUuid: IdSchema,
  reason: z.string().max(4096).nullish(),
});

type Steer = 'cancelProcedureTaskSession' | 'pauseProcedureTaskSession' | 'redriveProcedureTaskSession';

function steerMutation(name: Steer, description: string) {
  builder.mutationField(name, (t) =>
    t.field({
      type: ProcedureTaskSessionRef,
      nullable: false,
      description,
      args: t.validate({ sessionUuid: t.arg.string({ required: true }), reason: t.arg.string() }, SteerArgs),
      resolve: (_root, raw, ctx) => {
        const args = raw as unknown as z.output<typeof SteerArgs>;
        return procedureHub(ctx.services)[name](ctx.caller.tenant, args.sessionUuid, {
          by: ctx.caller.userId,
          reason: args.reason ?? null,
        });
      },
    }),
  );
}

steerMutation(
  'cancelProcedureTaskSession',
  'Cancels a running session: status `cancelled`, no agent starts after it, running agents are aborted, agents waiting for input are released. Idempotent; CONFLICT on a finished session.',
);
steerMutation(
  'pauseProcedureTaskSession',
  'Pauses an in_progress session: running agents finish, nothing new starts until resumeProcedureTaskSession. Idempotent.',
);
steerMutation(
  'redriveProcedureTaskSession',
  'Runs a failed or cancelled session again: completed agents keep their outputs, failed, cancelled and not-started agents run. CONFLICT otherwise.',
);
