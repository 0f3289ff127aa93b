// Explaining a stored (aggregated) flow: `representativeQuery` (@verdict/flows) picks a concrete
// flow it stands for in the current cluster state; the engine explains it in both scopes.

import type { ExplainResponse } from '@verdict/api';
import type { Evaluator, FlowQuery, Result } from '@verdict/engine';
import { err, ok } from '@verdict/engine';
import type { ResolveError } from '@verdict/flows';

/** Both scopes of one concrete flow, shaped for the UI. */
export function explainQuery(evaluator: Evaluator, query: FlowQuery): Result<ExplainResponse, ResolveError> {
  const explained = evaluator.explainBothScopes(query);
  return explained.ok ? ok(explained.value) : err({ path: explained.error.path, message: explained.error.message });
}
