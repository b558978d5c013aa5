import { FkError } from '../errors.js';
import type { Command } from './io.js';

// PLACEHOLDER: replaced by the real command.
export const command: Command = {
  name: 'seed',
  summary: '',
  usage: 'flickr-killr seed',
  run: async () => {
    throw new FkError('E_INTERNAL', 'seed is not built yet');
  },
};
