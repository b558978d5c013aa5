import { FkError } from '../../errors.js';
import type { StageDefinition } from '../stage.js';

// PLACEHOLDER: replaced by the stage's real definition.
export const stage: StageDefinition = {
  name: 'single',
  title: 'single',
  summary: 'not built yet',
  prerequisites: () => [],
  start: async () => {
    throw new FkError('E_INTERNAL', 'stage single is not built yet');
  },
};
