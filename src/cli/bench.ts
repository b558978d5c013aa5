import { FkError } from '../errors.js';
import type { Command } from './io.js';

// PLACEHOLDER: replaced by the real command.
export const command: Command = {
  name: 'bench',
  summary: '',
  usage: 'flickr-killr bench',
  run: async () => {
    throw new FkError('E_INTERNAL', 'bench is not built yet');
  },
};
