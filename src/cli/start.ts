import { FkError } from '../errors.js';
import type { Command } from './io.js';

// PLACEHOLDER: replaced by the real command.
export const command: Command = {
  name: 'start',
  summary: '',
  usage: 'flickr-killr start',
  run: async () => {
    throw new FkError('E_INTERNAL', 'start is not built yet');
  },
};
