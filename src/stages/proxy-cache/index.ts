import { FkError } from '../../errors.js';
import type { StageDefinition } from '../stage.js';

// PLACEHOLDER: replaced by the stage's real definition.
export const stage: StageDefinition = {
  name: 'proxy-cache',
  title: 'proxy-cache',
  summary: 'not built yet',
  prerequisites: () => [],
  start: async () => {
    throw new FkError('E_INTERNAL', 'stage proxy-cache is not built yet');
  },
};
